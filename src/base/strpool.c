/* strpool.c — strings in one block, addressed by offset. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "strpool.h"
#include "util.h"

uint32_t
strpool_add(struct strpool *p, const char *s, size_t n)
{
	size_t off = p->len;
	if (off + n + 1 > UINT32_MAX)
		die("too many paths: the path pool is limited to 4 GiB");
	p->data = xgrow(p->data, &p->cap, off + n + 1, 1);
	memcpy(p->data + off, s, n);
	p->data[off + n] = '\0';
	p->len = off + n + 1;
	return (uint32_t)off;
}

void
strpool_free(struct strpool *p)
{
	free(p->data);
	p->data = NULL;
	p->len = p->cap = 0;
}
