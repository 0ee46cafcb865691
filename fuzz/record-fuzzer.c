/* record-fuzzer.c — the reader of apply records (what `apply --undo`
 * reads). The reader is private to apply's files, and apply_undo would go
 * on to act on whatever tree a record names, so the harness calls the
 * reader alone. */
#include "config.h"

#include "apply-private.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *file = fuzz_write("applied.yaml", data, size), *cause = NULL;
	struct record r;

	if (read_record(file, &r, &cause) == 0)
		record_free(&r);
	free(cause);
	unlink(file);
	free(file);
	return 0;
}
