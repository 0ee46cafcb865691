/* folders-fuzzer.c — the cache of folder listings (exists.h): the cache
 * file is the input, beside a small tree whose folders it may name. Each
 * path's answer with the cache must be its answer without one, or the
 * harness aborts; the input is also given the records of the tree's own
 * folders after it, so that a record it holds can be met and matched. */
#include "config.h"

#include <fcntl.h>
#include <unistd.h>

#include "exists.h"
#include "fuzz.h"

static const char *const paths[] = {
	"a/1.wav", "a/2.wav", "b/1.wav", "b/gone.wav", "c/1.wav",
};
#define NPATHS (sizeof paths / sizeof paths[0])
static int rootfd = -1, want[NPATHS];
static char *cache;
static char *genuine;           /* the tree's own cache file */
static size_t genuine_len;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *root;
	size_t i;

	(void)argc;
	(void)argv;
	for (i = 0; i < NPATHS; i++)
		if (strstr(paths[i], "gone") == NULL) {
			char *name = xasprintf("t/%s", paths[i]);
			free(fuzz_write(name, "RIFF", 4));
			free(name);
		}
	root = xasprintf("%s/t", fuzz_dir());
	rootfd = open(root, O_RDONLY | O_DIRECTORY);
	free(root);
	cache = xasprintf("%s/folders", fuzz_dir());
	exists_check(rootfd, paths, NPATHS, want, NULL);
	/* The folders remembered at once: the tree is made, not changed. */
	exists_settled_ns = -1000000000LL;
	usleep(20000);
	exists_check(rootfd, paths, NPATHS, want, cache);
	genuine = read_file(cache, &genuine_len, NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b = { 0 };
	int why[NPATHS];
	size_t i;
	FILE *f;

	/* The input as the whole file; then with the genuine records after
	 * a header of its own (its count may or may not cover them). */
	for (int round = 0; round < 2; round++) {
		b.len = 0;
		buf_add(&b, data, size);
		if (round == 1 && genuine != NULL && genuine_len > 25)
			buf_add(&b, genuine + 25, genuine_len - 25);
		if ((f = fopen(cache, "wb")) == NULL ||
		    (b.len && fwrite(b.data, 1, b.len, f) != b.len) || fclose(f) != 0)
			die("%s: cannot write", cache);
		exists_check(rootfd, paths, NPATHS, why, cache);
		for (i = 0; i < NPATHS; i++)
			if (why[i] != want[i]) {
				fprintf(stderr, "%s: %d with the cache, %d without\n", paths[i],
				    why[i], want[i]);
				abort();
			}
	}
	buf_free(&b);
	return 0;
}
