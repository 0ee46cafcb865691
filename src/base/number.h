/* number.h — decimal numbers in text files (predictions' probabilities,
 * embeddings' vectors): read without the locale (strtod takes a decimal
 * comma under de_DE), correctly rounded, and safe on any bytes. */
#ifndef WINNOW_NUMBER_H
#define WINNOW_NUMBER_H

/* The decimal number at p, reading no byte at or past end: an optional
 * sign, digits with an optional point ("1", "1.", ".5", "0.25"; at least
 * one digit), and an optional exponent ("e-5", "E+3"; an "e" without
 * digits after it is not part of the number). Nothing else: no spaces, no
 * hex, no inf or nan. *out gets the double nearest to it, as strtod gives
 * in the C locale: bit for bit, ±0 or ±inf beyond a double's range, at any
 * length of mantissa or exponent. Returns the end of the number, or NULL
 * when p does not start with one. */
const char *number_parse(const char *p, const char *end, double *out);
/* number_parse, and also inf, infinity and nan in any case, signed: for a
 * reader that tells a value that is not finite from one that is not a
 * number. */
const char *number_parse_nonfinite(const char *p, const char *end, double *out);

#endif
