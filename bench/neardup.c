/* neardup.c — time the near-copy search, for `make bench`: near_find over N
 * picture fingerprints (random balanced 64-bit hashes and thumbnails, as
 * many bits set as not, like the DCT hash's), a hundredth of them near
 * copies of others (1 to 3 pairs of bits swapped, the thumbnail a little
 * noisy), against the all-pairs comparison it replaces, timed on a
 * sample of rows and scaled.
 *
 *   bench/neardup N   prints "pairs P planted K found F seconds S cpu C
 *   allpairs A": the pairs found, the copies planted and how many of them
 *   were found, near_find's wall and CPU time, and the all-pairs estimate
 *   in seconds (one thread, Hamming distance only). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "neardup.h"
#include "util.h"

#define SAMPLE_ROWS 200

static double
now(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: the same numbers on every machine */
static uint64_t
next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* A code with 32 of 64 bits set, as the DCT hash's median split gives. */
static uint64_t
balanced_code(uint64_t *s)
{
	uint64_t code = 0;
	int set = 0;
	while (set < 32) {
		uint64_t bit = (uint64_t)1 << (next_random(s) % 64);
		if (!(code & bit)) {
			code |= bit;
			set++;
		}
	}
	return code;
}

/* Swap a set bit with a clear one: 2 bits apart, still balanced. */
static uint64_t
swap_bits(uint64_t code, uint64_t *s)
{
	uint64_t on, off;
	do
		on = (uint64_t)1 << (next_random(s) % 64);
	while (!(code & on));
	do
		off = (uint64_t)1 << (next_random(s) % 64);
	while (code & off);
	return (code & ~on) | off;
}

int
main(int argc, char **argv)
{
	struct near_limits lim = { 0.94, 7 };
	size_t n, copies, k, npairs, found = 0, i, j;
	struct fingerprint *fp;
	struct near_pair *pairs;
	uint8_t *planted;
	uint64_t s = 0x9e3779b97f4a7c15ull;
	double t0, c0, seconds, cpu, brute;
	volatile unsigned sink = 0;

	if (argc != 2 || (n = strtoul(argv[1], NULL, 10)) < 2 * SAMPLE_ROWS) {
		fprintf(stderr, "usage: bench/neardup N (N >= %d)\n", 2 * SAMPLE_ROWS);
		return 2;
	}
	fp = xcalloc(n, sizeof *fp);
	planted = xcalloc(n, 1);
	copies = n / 100;
	for (i = 0; i < n; i++) {
		fp[i].kind = FP_IMAGE;
		fp[i].code = balanced_code(&s);
		for (k = 0; k < sizeof fp[i].image.luma; k++)
			fp[i].image.luma[k] = (uint8_t)next_random(&s);
	}
	/* the last hundredth: copies of samples before them */
	for (i = n - copies; i < n; i++) {
		int swaps = 1 + (int)(next_random(&s) % 3), m;
		size_t of = next_random(&s) % (n - copies);
		fp[i] = fp[of];
		for (m = 0; m < swaps; m++)
			fp[i].code = swap_bits(fp[i].code, &s);
		for (k = 0; k < sizeof fp[i].image.luma; k++)
			fp[i].image.luma[k] = (uint8_t)(fp[i].image.luma[k] ^ (next_random(&s) & 3));
		planted[i] = 1;
	}

	t0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	pairs = near_find(&(struct near_set){ fp, sizeof *fp, n }, &lim, 0, &npairs);
	seconds = now(CLOCK_MONOTONIC) - t0;
	cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
	for (k = 0; k < npairs; k++)
		if (planted[pairs[k].b] && !planted[pairs[k].a]) {
			planted[pairs[k].b] = 2;
		}
	for (i = n - copies; i < n; i++)
		found += planted[i] == 2;

	/* All pairs: SAMPLE_ROWS rows against every later one, scaled to the
	 * n(n-1)/2 pairs. */
	t0 = now(CLOCK_MONOTONIC);
	for (i = 0; i < SAMPLE_ROWS; i++)
		for (j = i + 1; j < n; j++)
			sink += fp_code_distance(fp[i].code, fp[j].code) <= 7;
	brute = (now(CLOCK_MONOTONIC) - t0) / ((double)SAMPLE_ROWS * (double)n) *
	    ((double)n * (double)(n - 1) / 2);
	(void)sink;

	printf("pairs %zu planted %zu found %zu seconds %.6f cpu %.6f allpairs %.0f\n",
	    npairs, copies, found, seconds, cpu, brute);
	free(pairs);
	free(planted);
	free(fp);
	return 0;
}
