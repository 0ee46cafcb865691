/* embed-fuzzer.c — an embeddings file (TSV: path, then numbers; or bare
 * numbers) joined to a small fixed dataset. */
#include "config.h"

#include "dataset.h"
#include "embed.h"
#include "fuzz.h"

static struct dataset *ds;
static const char metadata[] = "path\tlabel\nyes/0a7c2a8d_nohash_0.wav\tyes\n"
    "yes/0a7c2a8d_nohash_1.wav\tyes\nno/0b1c5e3f_nohash_0.wav\tno\n"
    "no/9d0c55e1_nohash_0.wav\tno\nup/3a1f09c2_nohash_0.wav\tup\n"
    "_unlabeled/x.wav\t\n";

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	ds = fuzz_dataset_open();
	/* For bare vectors (TensorBoard's vectors.tsv): the paths beside. */
	free(fuzz_write("emb/metadata.tsv", metadata, strlen(metadata)));
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *file = fuzz_write("emb/vectors.tsv", data, size), *cause = NULL;
	struct embeddings *e = embed_load(ds, file, NULL, NULL, &cause);

	embed_free(e);
	free(cause);
	unlink(file);
	free(file);
	return 0;
}
