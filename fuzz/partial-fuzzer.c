/* partial-fuzzer.c — the reader of `check --shard` partial files, measures
 * and fingerprints (what `check --merge` reads), against a small fixed
 * dataset. */
#include "config.h"

#include "checks.h"
#include "dataset.h"
#include "fuzz.h"

static struct dataset *ds;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ds = fuzz_dataset_open();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *file = fuzz_write("part.tsv", data, size), *cause = NULL;
	struct check_options opt = { .use_cache = 0 };
	struct checks *c;

	thresholds_init(&opt.th);
	c = checks_new(ds, &opt);
	checks_read_partials(c, &file, 1, &cause);
	free(cause);
	checks_free(c);
	unlink(file);
	free(file);
	return 0;
}
