/* sniff-fuzzer.c — a sample's format from its first bytes, and from a name
 * made of the same bytes. */
#include "config.h"

#include "fuzz.h"
#include "sniff.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exact copies: a read past the end is caught. */
	unsigned char *copy = xmalloc(size ? size : 1);
	enum format f;

	memcpy(copy, data, size);
	f = format_from_magic(copy, size);
	if (format_name(f) == NULL || kind_name(format_kind(f)) == NULL)
		abort();
	f = format_from_name_len((const char *)copy, size);
	if (format_name(f) == NULL)
		abort();
	free(copy);
	return 0;
}
