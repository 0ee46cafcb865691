/* strpool.h — many NUL-terminated strings in one growing block (nnn's idea):
 * a string is an offset, so the block can move when it grows. */
#ifndef WINNOW_STRPOOL_H
#define WINNOW_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

struct strpool {
	char *data;
	size_t len, cap;
};

/* Append s (n bytes, a NUL is added) and return its offset. */
uint32_t strpool_add(struct strpool *p, const char *s, size_t n);
static inline const char *strpool_get(const struct strpool *p, uint32_t off)
{
	return p->data + off;
}
void strpool_free(struct strpool *p);

#endif
