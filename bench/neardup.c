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
 *   in seconds (one thread, Hamming distance only).
 *
 *   bench/neardup PARTIAL...   the same search over the fingerprints in
 *   the partial files of `winnow check --shard` (a real dataset's, as
 *   `check` judges them), printing "samples N fingerprints M pairs P
 *   seconds S cpu C" and the first pairs found, "pair I J SCORE" with I
 *   and J the records' numbers over the files. */
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

static int
hex_value(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The fingerprint field of a partial file's record (the last): "-", or
 * "a" or "i", the code and the kind's bytes in hex. */
static void
parse_fingerprint(const char *s, struct fingerprint *fp)
{
	size_t k, bytes;
	memset(fp, 0, sizeof *fp);
	if (s[0] != 'a' && s[0] != 'i')
		return;
	fp->kind = s[0] == 'a' ? FP_AUDIO : FP_IMAGE;
	bytes = fp->kind == FP_AUDIO ? sizeof fp->audio : sizeof fp->image;
	if (strlen(s) != 17 + 2 * bytes) {
		fprintf(stderr, "bench/neardup: a fingerprint of %zu characters\n", strlen(s));
		exit(1);
	}
	for (k = 1; k < 17; k++)
		fp->code = fp->code << 4 | (uint64_t)hex_value(s[k]);
	for (k = 0; k < bytes; k++)
		((uint8_t *)&fp->audio)[k] = (uint8_t)(hex_value(s[17 + 2 * k]) << 4 |
		    hex_value(s[18 + 2 * k]));
}

static int
search_partials(int nfiles, char **files)
{
	struct near_limits lim = { 0.94, 7 };
	struct fingerprint *fp = NULL;
	struct near_pair *pairs;
	size_t n = 0, cap = 0, with = 0, npairs, k, linecap = 0;
	char *line = NULL;
	double t0, c0, seconds, cpu;
	int f;

	for (f = 0; f < nfiles; f++) {
		FILE *in = fopen(files[f], "r");
		ssize_t len;
		if (in == NULL) {
			perror(files[f]);
			return 1;
		}
		for (k = 0; (len = getline(&line, &linecap, in)) > 0; k++) {
			char *last;
			if (k == 0)
				continue;       /* the header */
			if (line[len - 1] == '\n')
				line[len - 1] = '\0';
			last = strrchr(line, '\t');
			fp = xgrow(fp, &cap, n + 1, sizeof *fp);
			parse_fingerprint(last ? last + 1 : "-", &fp[n]);
			with += fp[n++].kind != FP_NONE;
		}
		fclose(in);
	}
	free(line);
	t0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	pairs = near_find(&(struct near_set){ fp, sizeof *fp, n }, &lim, 0, &npairs);
	seconds = now(CLOCK_MONOTONIC) - t0;
	cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
	printf("samples %zu fingerprints %zu pairs %zu seconds %.6f cpu %.6f\n",
	    n, with, npairs, seconds, cpu);
	for (k = 0; k < npairs && k < 20; k++)
		printf("pair %u %u %g\n", pairs[k].a, pairs[k].b, pairs[k].score);
	free(pairs);
	free(fp);
	return 0;
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

	if (argc >= 2 && strspn(argv[1], "0123456789") != strlen(argv[1]))
		return search_partials(argc - 1, argv + 1);
	if (argc != 2 || (n = strtoul(argv[1], NULL, 10)) < 2 * SAMPLE_ROWS) {
		fprintf(stderr, "usage: bench/neardup N (N >= %d) | PARTIAL...\n",
		    2 * SAMPLE_ROWS);
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
