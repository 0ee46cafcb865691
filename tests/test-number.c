/* test-number.c — the one decimal parser (number.h) against strtod in the C
 * locale, bit for bit: edge cases, and many random numbers of every shape,
 * each in a buffer of its own exact length, so that a read past its end is
 * caught by AddressSanitizer. */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "number.h"
#include "tap.h"
#include "util.h"

static uint64_t rng_state = 42;

static uint64_t
rng(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* number_parse over exactly the bytes of text (no NUL after them): does it
 * take all of them, with strtod's value, bit for bit? */
static int
same_as_strtod(const char *text, int nonfinite)
{
	size_t n = strlen(text);
	char *copy = xmalloc(n ? n : 1), *end;
	const char *stop;
	double got = -1, want = strtod(text, &end);
	int r;

	memcpy(copy, text, n);
	stop = nonfinite ? number_parse_nonfinite(copy, copy + n, &got) :
	    number_parse(copy, copy + n, &got);
	r = stop == copy + n && end == text + n &&
	    (memcmp(&got, &want, sizeof got) == 0 || (isnan(got) && isnan(want)));
	if (!r)
		fprintf(stderr, "#   '%s': got %.17g (%s), strtod %.17g\n", text, got,
		    stop == NULL ? "no number" : stop == copy + n ? "all read" : "not all read",
		    want);
	free(copy);
	return r;
}

static void
test_edges(void)
{
	static const char *const nums[] = { "0", "-0", "+0", "1", "-1", "0.5", ".25", "1.",
		"1e-05", "2.5E-3", "+0.125", "0.00000000000000000000000000001",
		"0.12345678901234567890123", "0.0028571428571428571", "1000e-3",
		"0.000000012345678", "12345678901234567890123e-23", "4444E-48444448888",
		"1e-99999999999999999999", "0.5e-2147483649", "1E-0000000000000000000000001",
		"123456789012345678901234567890e-30",
		"0.000000000000000000000000000000000000000000000000000000000000001e62",
		"4444E48444448888", "1e99999999999999999999", "1E+2147483648",
		"99999999999999999999999", "1234567890123456789.5", "9007199254740993",
		"9007199254740993e-3", "18446744073709551615", "18446744073709551616",
		"999999999999999999", "1000000000000000000", "100000000000000000000000",
		"2.2250738585072011e-308", "2.2250738585072014e-308", "4.9406564584124654e-324",
		"2.4703282292062327e-324", "2.4703282292062328e-324", "1.7976931348623157e308",
		"1.7976931348623159e308", "0.1", "0.2", "0.3", "1e22", "1e23", "1e-22",
		"1e-23", "8.41e21", "5e-324", "7.2057594037927933e16", "0.016600000000000001",
		"12345678.12345678", "00000000000000000000000000000001.5",
		"1.00000000000000000000000000000000000000000000000000000000000000000001" };
	static const char *const words[] = { "inf", "-inf", "+INF", "Infinity", "nan", "NaN",
		"-nan" };
	static const char *const bad[] = { "", "x", ".", "-", "+", "-.", "e5", "-e", ".e1",
		"nan", "inf", ",5", " 1" };
	static const struct { const char *text; size_t len; } partial[] = {
		{ "1e", 1 }, { "1e+", 1 }, { "1e-", 1 }, { "0.5.5", 3 }, { "0,5", 1 },
		{ "1 2", 1 }, { "12abc", 2 }, { "1.5e3x", 5 }, { "0x10", 1 }, { "1E", 1 } };
	size_t i;
	double v;

	for (i = 0; i < ARRAY_SIZE(nums); i++)
		ok(same_as_strtod(nums[i], 0), "'%s' as strtod reads it", nums[i]);
	for (i = 0; i < ARRAY_SIZE(words); i++) {
		ok(same_as_strtod(words[i], 1), "'%s' read as not finite", words[i]);
		ok(number_parse(words[i], words[i] + strlen(words[i]), &v) == NULL,
		    "'%s' is no number to number_parse", words[i]);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ok(number_parse(bad[i], bad[i] + strlen(bad[i]), &v) == NULL, "'%s' is no number",
		    bad[i]);
	for (i = 0; i < ARRAY_SIZE(partial); i++) {
		const char *t = partial[i].text;
		ok(number_parse(t, t + strlen(t), &v) == t + partial[i].len,
		    "'%s' is a number of %zu bytes", t, partial[i].len);
	}
	/* The end is the end: no byte past it is read, even where a NUL-ended
	 * string would go on with digits. */
	ok(number_parse("12345", "12345" + 2, &v) != NULL && v == 12, "'12|345' reads 12");
	ok(number_parse("0.5e10", "0.5e10" + 4, &v) != NULL && v == 0.5, "'0.5e|10' reads 0.5");
}

/* Random numbers of every shape: short and long mantissas, leading and
 * trailing zeros, points anywhere, exponents small and huge. */
static void
test_random(void)
{
	char text[160];
	size_t i, failed = 0, n = 200000;

	for (i = 0; i < n; i++) {
		size_t len = 0, digits = 1 + rng() % (rng() % 4 == 0 ? 40 : 19), k;
		uint64_t r = rng();
		if (r & 1)
			text[len++] = r & 2 ? '-' : '+';
		if (r & 4)
			for (k = rng() % 25; k > 0; k--)
				text[len++] = '0';
		for (k = 0; k < digits; k++)
			text[len++] = (char)('0' + rng() % 10);
		if (r & 8) {
			size_t at = rng() % (len + 1);
			if (at == 0 || text[at - 1] < '0' || text[at - 1] > '9')
				at = len;
			memmove(text + at + 1, text + at, len - at);
			text[at] = '.';
			len++;
		}
		if (r & 16)
			len += (size_t)snprintf(text + len, sizeof text - len, "e%d",
			    (int)(rng() % 700) - 350);
		text[len] = '\0';
		if (!same_as_strtod(text, 0) && failed++ > 10)
			break;
	}
	ok(failed == 0, "%zu random numbers read as strtod reads them", n);
}

int
main(void)
{
	/* The tests compare with strtod, which must read the C locale too. */
	setlocale(LC_NUMERIC, "C");
	test_edges();
	test_random();
	return tap_done();
}
