/* neardup.h — near copies among many samples' fingerprints (fingerprint.h):
 * candidate pairs from a multi-index of the 64-bit codes, decided from
 * the fingerprints alone, grouped, and sorted into the lines the checks
 * give (near-duplicate, label-conflict, split-leak). No files are read, so
 * a merge of shards finds what one run does.
 *
 * The index: each code is cut into NEAR_CHUNKS chunks of 16 bits, and a
 * table per chunk lists the samples by that chunk's value. Two codes
 * within NEAR_CHUNKS · 2 - 1 bits of each other have, by pigeonhole, a
 * chunk within one bit of each other, so looking up each sample's chunks
 * and the 16 values one bit away finds every such pair, and few others:
 * about n² · 4 · 8.5 / 65536 candidates for n random codes (each pair of
 * runs of values one bit apart is joined once), not n² / 2. The candidates
 * are the codes of two runs, read straight through, with each clip's
 * spectrum beside its code: clips whose spectra differ are refused there,
 * and only the rest reach the fingerprints. Samples with the same
 * fingerprint enter once. The tables are built and searched one at a
 * time: 54 bytes a sample in all (the codes, spectra, kinds and sample
 * numbers, a table's copy of them in its order, and the links between
 * samples of one fingerprint), beside a 256 kB offset array. */
#ifndef WINNOW_NEARDUP_H
#define WINNOW_NEARDUP_H

#include <stddef.h>
#include <stdint.h>

#include "dataset.h"
#include "fingerprint.h"

#define NEAR_CHUNKS 4
/* Audio candidates whose codes differ in more bits than this are not
 * compared: near copies of a clip differ in a few. */
#define NEAR_AUDIO_CODE_BITS 8
/* Pictures whose hashes are near are copies only when their thumbnails
 * correlate this well: copies do at 0.99 and more, words written in one
 * style at 0.94 and less. */
#define NEAR_IMAGE_CORRELATION 0.97

struct near_limits {
	double audio;           /* the least waveform correlation of near copies */
	double image;           /* the most hash bits apart of near copies */
};

/* The fingerprint of sample i is at (const char *)fp + i * stride. */
struct near_set {
	const struct fingerprint *fp;
	size_t stride, n;
};

static inline const struct fingerprint *
near_fp(const struct near_set *s, size_t i)
{
	return (const struct fingerprint *)((const char *)s->fp + i * s->stride);
}

struct near_pair {
	uint32_t a, b;          /* a < b */
	float score;            /* audio: correlation; image: bits apart */
};

/* How many codes the search compares at a time: 0 as the processor
 * allows (8 with AVX-512's VPOPCNTDQ, 4 with AVX2, else 1), or 1, 4 or 8
 * for the tests, which compare each with the others. near_scan_can says
 * whether this processor has the instructions for `lanes`. */
extern int near_scan_lanes;
int near_scan_can(int lanes);
/* fp_spectrum_spread as the vector scans work it out (for the tests). */
long near_scan_spread(uint64_t a, uint64_t b);

/* Every pair of near copies in s, sorted by a then b, on up to nthreads
 * threads (0: one per core). Returns the array (free it) and its length in
 * *npairs. */
struct near_pair *near_find(const struct near_set *s, const struct near_limits *lim,
    unsigned nthreads, size_t *npairs);

/* What a sample of a group of near copies is reported as. */
enum near_what { NEAR_DUPLICATE, NEAR_LABEL_CONFLICT, NEAR_SPLIT_LEAK };

struct near_line {
	uint32_t sample, other; /* other: its nearest copy of the kind */
	uint32_t group;         /* samples in its group, itself included */
	uint8_t what;           /* enum near_what */
	uint8_t kind;           /* enum fp_kind */
	float score;
};

/* The lines for the pairs of set, whose sample i is ds's: near-duplicate
 * on the later of two copies under one label in one split; label-conflict
 * on every copy that has one under another label; split-leak on the
 * copies outside their group's main split (all of them when splits tie).
 * A pair with the same bytes (same_bytes) is the exact checks' to report,
 * but counts in its group. At most one line of each kind a sample, naming
 * its nearest copy (the first in path order on a tie). Returns the lines
 * sorted by sample, and their count in *nlines. */
struct near_line *near_lines(const struct near_pair *pairs, size_t npairs,
    const struct near_set *set, const struct dataset *ds,
    int (*same_bytes)(size_t a, size_t b, void *arg), void *arg, size_t *nlines);

#endif
