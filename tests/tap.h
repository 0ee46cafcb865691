/* tap.h — the few assertions the C unit tests use. A test program prints one
 * line per check and exits 1 when any failed (automake's test driver). */
#ifndef WINNOW_TAP_H
#define WINNOW_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count, tap_failed;

#define ok(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, name) do { long long g_ = (got), w_ = (want); \
	if (!ok(g_ == w_, "%s", name)) fprintf(stderr, "#   got %lld, want %lld\n", g_, w_); } while (0)
#define is_str(got, want, name) do { const char *g_ = (got), *w_ = (want); \
	if (!ok(g_ && w_ && strcmp(g_, w_) == 0, "%s", name)) \
		fprintf(stderr, "#   got \"%s\", want \"%s\"\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } while (0)
#define is_near(got, want, tol, name) do { double g_ = (got), w_ = (want); \
	if (!ok(g_ - w_ <= (tol) && w_ - g_ <= (tol), "%s", name)) \
		fprintf(stderr, "#   got %g, want %g ± %g\n", g_, w_, (double)(tol)); } while (0)

__attribute__((format(printf, 4, 5), unused)) static int
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	tap_count++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond) {
		tap_failed++;
		fprintf(stderr, "# failed at %s:%d\n", file, line);
	}
	return cond;
}

__attribute__((unused)) static int
tap_done(void)
{
	printf("# %d checks, %d failed\n", tap_count, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif
