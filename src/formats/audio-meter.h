/* audio-meter.h — what audio.c and audio-meter.c share: the meter that
 * measures a clip as its samples stream past, fed by the decoders in
 * audio.c. Not for other callers: they use audio.h. */
#ifndef WINNOW_AUDIO_METER_H
#define WINNOW_AUDIO_METER_H

#include <stddef.h>
#include <stdint.h>

#include "audio.h"

/* The short windows' sums are taken over pieces of this many floats (in
 * whole frames), counted from the first frame whatever the reads, so that
 * a clip measures to the bit the same from a file and from memory. It is
 * also what audio_measure_mem decodes a read (a file is read in larger
 * blocks: libsndfile's decoders tell a cut FLAC file from a damaged one
 * differently with other read sizes). */
#define PIECE_FLOATS 4096
#define FILE_READ_FLOATS 65536

/* Everything measured while the samples stream past. The levels, the
 * clipping and the short windows are taken for every caller, a window at
 * a time (most of `winnow check`'s time); the loudest second and the
 * edges of the mono mix only with `sections` (a clip to show). */
struct meter {
	unsigned channels, rate, min_run;
	float clip_level;
	size_t piece;           /* PIECE_FLOATS in frames */
	uint64_t frames;
	float peak;
	double sum_sq;
	double sum_abs, sum_log;        /* of |x| and ln |x| (floored) */

	unsigned *run;          /* per channel: length of the current full-scale run */
	signed char *rail;      /* per channel: +1 / -1, the run's side */
	unsigned open;          /* channels with a run going on */
	unsigned clip_runs;
	uint64_t clipped;

	size_t win;             /* AUDIO_WINDOW_SECONDS in frames */
	double block_sq;        /* current window's sum of mean squares */
	double block_sum;       /* and of samples */
	size_t block_n;
	float *means;           /* every whole window's mean sample */
	size_t nmeans, capmeans;
	double head, loud, still; /* window mean squares; loud < 0: none yet */
	float *tail;            /* the last min(frames, win) frames' mean
	                           squares, oldest first */
	size_t ntail;

	int sections;
	float *ring;            /* the last `window` samples of the mono mix */
	size_t window, edge;
	size_t slot;            /* where the next one goes */
	int full;               /* the ring holds a whole window */
	int64_t abs_sum;        /* sum of fixed-point |x| over the ring */
	double sq_sum;          /* sum of x² over the ring */
	int64_t best_abs;
	double best_sq;
	uint64_t best_start;
	double head_sq;         /* sum of x² over the first `edge` samples */
};

/* A meter for clips of `channels` at `rate`: min_run samples in a row at
 * clip_level or beyond are a clipped run; with `sections`, also the
 * loudest second and the edges of the mono mix. Free with meter_free. */
void meter_init(struct meter *m, unsigned channels, unsigned rate, unsigned min_run,
    float clip_level, int sections);
/* Feed n frames; when mono is not NULL the mono mix is stored there too
 * (sections only). */
void meter_feed(struct meter *m, const float *x, size_t n, float *mono);
/* What was fed, measured into st. */
void meter_finish(struct meter *m, struct audio_stats *st);
void meter_free(struct meter *m);

/* Set, the meter takes the loop of four lanes alone, where it would take
 * eight at a time on a processor with AVX2: what the tests compare the
 * two with (they must give the same bits). */
extern int audio_meter_four_lanes;

#endif
