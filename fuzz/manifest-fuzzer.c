/* manifest-fuzzer.c — a dataset opened on a CSV/TSV manifest: the manifest
 * is the input, beside a few real files its rows may name. It is read in
 * one part and again in 2 to 8 parts side by side, as a big manifest is:
 * the two readings must say the same, or the harness aborts. */
#include "config.h"

#include "dataset.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const files[] = {
		"clips/c1.wav", "clips/c2.wav", "clips/c3.wav",
		"no/0a7c2a8d_nohash_0.wav", "up/0d000000_nohash_0.wav",
		"up/0e000000_nohash_0.wav", "yes/0a7c2a8d_nohash_0.wav",
		"odd/a\\b, \"c\" .wav",
	};
	size_t i;

	(void)argc;
	(void)argv;
	dataset_cache_listings = 0;     /* folders-fuzzer.c has the cache */
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *name = xasprintf("m/%s", files[i]);
		free(fuzz_write(name, "RIFF", 4));
		free(name);
	}
	return 0;
}

/* Everything an opened manifest says, or why it did not open, as text. */
static void
describe(struct buf *b, const struct dataset *ds, const char *cause)
{
	b->len = 0;
	if (ds == NULL)
		buf_addf(b, "cause %s\n", cause ? cause : "");
	else
		dataset_describe(b, ds);
}

static struct dataset *
open_in(const char *file, unsigned parts, struct buf *b)
{
	char *cause = NULL;
	struct dataset *ds;

	dataset_manifest_parts = parts;
	ds = dataset_open(file, &cause);
	describe(b, ds, cause);
	free(cause);
	return ds;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct buf one, many;
	char *file = fuzz_write("m/labels.csv", data, size);
	unsigned parts = 2 + (unsigned)(size % 7);

	dataset_free(open_in(file, 1, &one));
	dataset_free(open_in(file, parts, &many));
	dataset_manifest_parts = 0;
	if (one.len != many.len || memcmp(one.data, many.data, one.len) != 0) {
		fprintf(stderr, "one part:\n%.*s%u parts:\n%.*s", (int)one.len, one.data, parts,
		    (int)many.len, many.data);
		abort();
	}
	unlink(file);
	free(file);
	return 0;
}
