/* record-fuzzer.c — the reader of apply records (what `apply --undo`
 * reads). The reader is private to apply.c, and apply_undo would go on to
 * act on whatever tree a record names, so the harness takes apply.c in
 * whole and calls the reader alone. */
#include "config.h"

#include "fuzz.h"
#include "../src/model/apply.c"

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
