/* mangle.h — a text changed at random with a fixed seed, for the tests that
 * read one text two ways and compare. */
#ifndef WINNOW_MANGLE_H
#define WINNOW_MANGLE_H

#include <string.h>

#include "util.h"

/* Replace t's bytes at..at+drop with the n bytes at p. */
static inline void
mangle_splice(struct buf *t, size_t at, size_t drop, const char *p, size_t n)
{
	struct buf u = { 0 };
	buf_add(&u, t->data, at);
	buf_add(&u, p, n);
	buf_add(&u, t->data + at + drop, t->len - at - drop);
	t->len = 0;
	buf_add(t, u.data, u.len);
	buf_free(&u);
}

/* Change t once, somewhere at or after byte keep: cut it there, drop a
 * byte, put one of bits in, flip a bit of a byte, or say a line twice.
 * *seed moves on. */
__attribute__((unused)) static inline void
mangle(struct buf *t, size_t keep, unsigned *seed, const char *const *bits, size_t nbits)
{
	unsigned r;
	size_t at;
	char *ls, *le;

	*seed = *seed * 1103515245u + 12345u;
	r = *seed >> 8;
	if (t->len < keep)
		return;
	at = keep + r % (t->len - keep + 1);
	switch (r % 5) {
	case 0:
		t->len = at;
		break;
	case 1:
		if (at < t->len)
			mangle_splice(t, at, 1, "", 0);
		break;
	case 2:
		mangle_splice(t, at, 0, bits[(r >> 4) % nbits], strlen(bits[(r >> 4) % nbits]));
		break;
	case 3:
		if (at < t->len)
			t->data[at] ^= (char)(1u << ((r >> 4) % 8));
		break;
	default:
		for (ls = t->data + at; ls > t->data + keep && ls[-1] != '\n'; ls--)
			continue;
		if (ls < t->data + t->len &&
		    (le = memchr(ls, '\n', t->len - (size_t)(ls - t->data))) != NULL)
			mangle_splice(t, (size_t)(le + 1 - t->data), 0, ls, (size_t)(le + 1 - ls));
		break;
	}
}

#endif
