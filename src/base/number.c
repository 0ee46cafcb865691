/* number.c — decimal numbers in text files (number.h). */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "number.h"
#include "util.h"

/* Powers of ten a double holds exactly. */
static const double pow10_table[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Below this, ten times a mantissa plus a digit still fits in 64 bits;
 * below EIGHT_MAX, 1e8 times plus eight digits does. */
#define DIGIT_MAX 1000000000000000000ULL
#define EIGHT_MAX 10000000000ULL
/* Integers up to this are exact in a double. */
#define EXACT_MAX (1ULL << 53)
/* Exponent digits past this make any mantissa 0 or infinite. */
#define EXP10_MAX 100000

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Add the run of digits at *pp (before end) to *m, 8 at a time where
 * they are there (Lemire's SWAR conversion); a nonzero digit that no
 * longer fits sets *lost, a zero counts in *zeros. Returns how many
 * digits were read. */
static size_t
add_digits(const char **pp, const char *end, uint64_t *m, size_t *zeros, int *lost)
{
	const char *p = *pp, *start = p;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t w;
	while (end - p >= 8 && *m < EIGHT_MAX) {
		memcpy(&w, p, 8);
		if ((((w + 0x4646464646464646ULL) | (w - 0x3030303030303030ULL)) &
		    0x8080808080808080ULL) != 0)
			break;
		w -= 0x3030303030303030ULL;
		w = w * 10 + (w >> 8);
		w = (((w & 0x000000FF000000FFULL) * 0x000F424000000064ULL) +
		    (((w >> 16) & 0x000000FF000000FFULL) * 0x0000271000000001ULL)) >> 32;
		*m = *m * 100000000ULL + w;
		p += 8;
	}
#endif
	for (; p < end && is_digit(*p); p++) {
		if (*m < DIGIT_MAX)
			*m = *m * 10 + (uint64_t)(*p - '0');
		else if (*p == '0')
			(*zeros)++;
		else
			*lost = 1;
	}
	*pp = p;
	return (size_t)(p - start);
}

/* The exact answer for what the fast path cannot be sure of (more than 18
 * significant digits, large exponents): strtod in the C locale, on a copy
 * of the number's bytes, which are known to be one. */
static void
exact(const char *start, const char *stop, double *out)
{
	char small[128], *s = small;
	size_t n = (size_t)(stop - start);

	if (n >= sizeof small)
		s = xmalloc(n + 1);
	memcpy(s, start, n);
	s[n] = '\0';
	*out = g_ascii_strtod(s, NULL);
	if (s != small)
		free(s);
}

/* Any number: a sign, an exponent, a mantissa of any length. Not inlined:
 * its frame would then be set up for the short numbers too. */
static __attribute__((noinline)) const char *
number_parse_general(const char *p, const char *end, double *out)
{
	const char *start = p;
	uint64_t m = 0;
	size_t n, any, zeros = 0;
	/* Counts are lengths of the text, which a hostile file makes as long
	 * as it likes: summed wide, the exponent's own digits clamped. */
	long long exp10 = 0, e = 0;
	int neg = 0, eneg = 0, lost = 0;
	double v;

	if (p < end && (*p == '-' || *p == '+'))
		neg = *p++ == '-';
	any = add_digits(&p, end, &m, &zeros, &lost);
	exp10 = (long long)zeros;
	if (p < end && *p == '.') {
		p++;
		zeros = 0;
		n = add_digits(&p, end, &m, &zeros, &lost);
		exp10 -= (long long)(n - zeros);
		any += n;
	}
	if (!any)
		return NULL;
	if (end - p >= 2 && (*p == 'e' || *p == 'E')) {
		const char *q = p + 1;
		if (q < end && (*q == '-' || *q == '+'))
			eneg = *q++ == '-';
		if (q < end && is_digit(*q)) {
			for (; q < end && is_digit(*q); q++)
				if (e < EXP10_MAX)
					e = e * 10 + (*q - '0');
			exp10 += eneg ? -e : e;
			p = q;
		}
	}
	/* Clinger's fast path: a mantissa and a power of ten that are both
	 * exact give the nearest double in one multiplication or division. */
	if (m == 0 && !lost)
		v = 0;
	else if (!lost && exp10 == 0)
		v = (double)m;
	else if (!lost && m <= EXACT_MAX && exp10 > 0 && exp10 <= 22)
		v = (double)m * pow10_table[exp10];
	else if (!lost && m <= EXACT_MAX && exp10 < 0 && exp10 >= -22)
		v = (double)m / pow10_table[-exp10];
	else {
		exact(start, p, out);
		return p;
	}
	*out = neg ? -v : v;
	return p;
}

/* Most numbers in a file are short and plain ("0.7003": a model's
 * probabilities, tens of millions of them): read in one loop of digits and
 * a point, and done when the mantissa and the power of ten are both exact
 * (Clinger's fast path, as above: the same double). A sign, an exponent or
 * a longer mantissa take the general way. */
const char *
number_parse(const char *p, const char *end, double *out)
{
	const char *q = p, *point = NULL;
	uint64_t m = 0;
	size_t n = 0, frac;
	unsigned d;

	for (; q < end; q++) {
		if ((d = (unsigned)(unsigned char)*q - '0') < 10) {
			m = m * 10 + d;
			n++;
		} else if (*q == '.' && point == NULL) {
			point = q;
		} else {
			break;
		}
	}
	if (n == 0 || n > 15 || (q < end && (*q == 'e' || *q == 'E')))
		return number_parse_general(p, end, out);
	frac = point != NULL ? (size_t)(q - point - 1) : 0;
	*out = frac == 0 ? (double)m : (double)m / pow10_table[frac];
	return q;
}

/* Does the word (lower case) start at p, in any case? */
static int
word_at(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(end - p) >= n && g_ascii_strncasecmp(p, word, n) == 0;
}

const char *
number_parse_nonfinite(const char *p, const char *end, double *out)
{
	const char *q = p, *r;
	int neg = 0;

	if ((r = number_parse(p, end, out)) != NULL)
		return r;
	if (q < end && (*q == '-' || *q == '+'))
		neg = *q++ == '-';
	if (word_at(q, end, "infinity")) {
		*out = neg ? -INFINITY : INFINITY;
		return q + 8;
	}
	if (word_at(q, end, "inf")) {
		*out = neg ? -INFINITY : INFINITY;
		return q + 3;
	}
	if (word_at(q, end, "nan")) {
		*out = neg ? -NAN : NAN;
		return q + 3;
	}
	return NULL;
}
