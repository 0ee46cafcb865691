/* audio-meter.c — a clip measured in one pass as its samples stream past
 * (levels, clipping, windows, the loudest second and the edges), and what
 * was measured said in words (audio.h, audio-meter.h). */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "audio-meter.h"
#include "util.h"

/* |x| is summed in fixed point so that the sliding window's sum is exact:
 * a window's sum never depends on the order samples entered and left it,
 * and equal windows compare equal. 2^24 keeps every 16- and 24-bit sample
 * exact; a clamp keeps hostile float files from overflowing. */
#define ABS_SCALE 16777216.0f
#define ABS_MAX 1024.0f

static inline int64_t
fixed_abs(float x)
{
	float a = fabsf(x);
	return (int64_t)((a < ABS_MAX ? a : ABS_MAX) * ABS_SCALE + 0.5f);
}

/* ln |x| of every sample is what a clip's measuring spends most on. A
 * 16-bit (or 8-bit) sample is k / 32768 exactly, and its logarithm is
 * looked up; any other value is worked out. Both give the same bits. */
#define LOG_STEPS 32768
static float log_table[LOG_STEPS + 1];

static void
make_log_table(void)
{
	int k;
	log_table[0] = logf(AUDIO_LOG_FLOOR);
	for (k = 1; k <= LOG_STEPS; k++)
		log_table[k] = logf((float)k / LOG_STEPS);
}

static inline float
abs_log(float a)
{
	float s = a * LOG_STEPS;
	if (s <= LOG_STEPS) {
		int k = (int)s;
		if ((float)k == s)
			return log_table[k];
	}
	return logf(a > AUDIO_LOG_FLOOR ? a : AUDIO_LOG_FLOOR);
}

int audio_meter_four_lanes;

/* The same lookups eight samples at a time where the processor has AVX2:
 * Σ ln|x| of the first multiple of 8 of len samples into the four lanes
 * g4, lane l taking samples l, l + 4, l + 8, … in that order, as the loop
 * of four lanes does (the same sums to the bit). A group with a sample
 * that is not k / 32768 is worked out sample by sample. Returns how many
 * samples it took. */
#if defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target)
#include <immintrin.h>
#define LOG_SUMS_AVX2 1
__attribute__((target("avx2"))) static size_t
log_sums_avx2(const float *seg, size_t len, float g4[4])
{
	const __m256 steps = _mm256_set1_ps(LOG_STEPS);
	const __m256 magnitude = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
	__m128 acc = _mm_loadu_ps(g4);
	size_t k;

	for (k = 0; k + 8 <= len; k += 8) {
		float t[8];
		int l;
		/* Groups of eight exact ones in a loop with no call in it,
		 * which keeps the sums in a register (a call would have the
		 * compiler keep them in memory, and each group wait on a
		 * store and a load). */
		for (; k + 8 <= len; k += 8) {
			__m256 s = _mm256_mul_ps(_mm256_and_ps(_mm256_loadu_ps(seg + k),
			    magnitude), steps);
			__m256i whole = _mm256_cvttps_epi32(s);
			__m256 exact = _mm256_and_ps(_mm256_cmp_ps(s, steps, _CMP_LE_OQ),
			    _mm256_cmp_ps(_mm256_cvtepi32_ps(whole), s, _CMP_EQ_OQ));
			__m256 v;
			if (_mm256_movemask_ps(exact) != 0xff)
				break;
			v = _mm256_i32gather_ps(log_table, whole, 4);
			acc = _mm_add_ps(acc, _mm256_castps256_ps128(v));
			acc = _mm_add_ps(acc, _mm256_extractf128_ps(v, 1));
		}
		if (k + 8 > len)
			break;
		/* a group with a sample that is not k / 32768 */
		for (l = 0; l < 8; l++)
			t[l] = abs_log(fabsf(seg[k + l]));
		acc = _mm_add_ps(acc, _mm_loadu_ps(t));
		acc = _mm_add_ps(acc, _mm_loadu_ps(t + 4));
	}
	_mm_storeu_ps(g4, acc);
	return k;
}
#endif
#endif

float
audio_db(float level)
{
	return level > 0 ? 20.0f * log10f(level) : -INFINITY;
}

/* dBFS of a mean square, in double: no square root to round first. */
static float
db_power(double mean_square)
{
	return (float)(10.0 * log10(mean_square));
}

void
meter_init(struct meter *m, unsigned channels, unsigned rate, unsigned min_run,
    float clip_level, int sections)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, make_log_table);
	memset(m, 0, sizeof *m);
	m->channels = channels;
	m->rate = rate;
	m->min_run = min_run ? min_run : AUDIO_CLIP_RUN;
	m->clip_level = clip_level;
	m->piece = PIECE_FLOATS / channels ? PIECE_FLOATS / channels : 1;
	m->run = xcalloc(channels, sizeof *m->run);
	m->rail = xcalloc(channels, sizeof *m->rail);
	m->win = (size_t)lround(rate * AUDIO_WINDOW_SECONDS);
	if (m->win == 0)
		m->win = 1;
	m->loud = -1;
	m->tail = xcalloc(m->win, sizeof *m->tail);
	m->sections = sections;
	if (!sections)
		return;
	m->window = (size_t)(rate * AUDIO_LOUDEST_SECONDS);
	if (m->window == 0)
		m->window = 1;
	m->edge = (size_t)(rate * AUDIO_EDGE_SECONDS);
	if (m->edge == 0)
		m->edge = 1;
	m->ring = xmalloc(m->window * sizeof *m->ring);
	m->best_abs = -1;
}

void
meter_free(struct meter *m)
{
	free(m->run);
	free(m->rail);
	free(m->tail);
	free(m->ring);
	free(m->means);
}

static void
end_window(struct meter *m)
{
	double ms = m->block_sq / (double)m->block_n;
	m->means = xgrow(m->means, &m->capmeans, m->nmeans + 1, sizeof *m->means);
	m->means[m->nmeans++] = (float)(m->block_sum / ((double)m->block_n * m->channels));
	if (m->loud < 0) {
		m->head = m->loud = m->still = ms;
	} else {
		if (ms > m->loud)
			m->loud = ms;
		if (ms < m->still)
			m->still = ms;
	}
	m->block_sq = 0;
	m->block_sum = 0;
	m->block_n = 0;
}

/* A full-scale run of channel c ends: it counts when it is long enough. */
static inline void
end_run(struct meter *m, unsigned c)
{
	if (m->run[c] >= m->min_run) {
		m->clip_runs++;
		m->clipped += m->run[c];
	}
	m->run[c] = 0;
	m->open--;
}

static inline void
clip_sample(struct meter *m, unsigned c, float v)
{
	if (fabsf(v) >= m->clip_level) {
		signed char side = v > 0 ? 1 : -1;
		/* A jump from one rail to the other starts a new run: a run
		 * is one flattened peak. */
		if (m->run[c] > 0 && m->rail[c] != side)
			end_run(m, c);
		m->rail[c] = side;
		if (m->run[c]++ == 0)
			m->open++;
	} else if (m->run[c] > 0) {
		end_run(m, c);
	}
}

/* Mean square of frame f over the channels. */
static inline float
frame_sq(const float *x, size_t f, unsigned nc)
{
	float s = 0;
	unsigned c;
	for (c = 0; c < nc; c++)
		s += x[f * nc + c] * x[f * nc + c];
	return s / (float)nc;
}

/* Peak, sums, clipping and windows over n frames. Within a window the loop
 * only sums, tracks the largest magnitude and looks for clipping when a
 * sample comes near full scale. */
static void
feed_windows(struct meter *m, const float *x, size_t n)
{
	size_t f = 0, k, take, keep;
	unsigned nc = m->channels;

	while (f < n) {
		const float *seg = x + f * nc;
		/* Four lanes: a single running sum would wait on itself. */
		float s4[4] = { 0, 0, 0, 0 }, t4[4] = { 0, 0, 0, 0 }, sq, top;
		float d4[4] = { 0, 0, 0, 0 }, u4[4] = { 0, 0, 0, 0 }, g4[4] = { 0, 0, 0, 0 };
		size_t len;
		take = m->win - m->block_n;
		if (take > n - f)
			take = n - f;
		len = take * nc;
		for (k = 0; k + 4 <= len; k += 4) {
			unsigned l;
			for (l = 0; l < 4; l++) {
				float v = seg[k + l], a = fabsf(v);
				s4[l] += v * v;
				t4[l] = a > t4[l] ? a : t4[l];
				d4[l] += v;
				u4[l] += a;
			}
		}
		/* apart: the sums above then need no call and no branch */
		k = 0;
#ifdef LOG_SUMS_AVX2
		if (!audio_meter_four_lanes && __builtin_cpu_supports("avx2"))
			k = log_sums_avx2(seg, len, g4);
#endif
		for (; k + 4 <= len; k += 4) {
			unsigned l;
			for (l = 0; l < 4; l++)
				g4[l] += abs_log(fabsf(seg[k + l]));
		}
		for (; k < len; k++) {
			float v = seg[k], a = fabsf(v);
			s4[0] += v * v;
			t4[0] = a > t4[0] ? a : t4[0];
			d4[0] += v;
			u4[0] += a;
			g4[0] += abs_log(a);
		}
		sq = (s4[0] + s4[1]) + (s4[2] + s4[3]);
		top = fmaxf(fmaxf(t4[0], t4[1]), fmaxf(t4[2], t4[3]));
		if (top > m->peak)
			m->peak = top;
		if (top >= m->clip_level || m->open > 0)
			for (k = 0; k < len; k++)
				clip_sample(m, (unsigned)(k % nc), seg[k]);
		m->sum_sq += sq;
		m->block_sum += (double)((d4[0] + d4[1]) + (d4[2] + d4[3]));
		m->sum_abs += (double)((u4[0] + u4[1]) + (u4[2] + u4[3]));
		m->sum_log += (double)((g4[0] + g4[1]) + (g4[2] + g4[3]));
		m->block_sq += (double)sq / nc;
		m->block_n += take;
		if (m->block_n == m->win)
			end_window(m);
		f += take;
	}
	/* The last window's frames, for the tail. */
	keep = n < m->win ? n : m->win;
	if (m->ntail + keep > m->win) {
		size_t drop = m->ntail + keep - m->win;
		memmove(m->tail, m->tail + drop, (m->ntail - drop) * sizeof *m->tail);
		m->ntail -= drop;
	}
	for (k = n - keep; k < n; k++)
		m->tail[m->ntail++] = frame_sq(x, k, nc);
}

/* The mono mix over n frames (stored in mono when not NULL): its first
 * `edge` samples and its loudest second. */
static void
feed_sections(struct meter *m, const float *x, size_t n, float *mono)
{
	unsigned c, nc = m->channels;
	uint64_t at = m->frames;
	size_t i;
	float mix, old;

	for (i = 0; i < n; i++, at++, x += nc) {
		mix = 0;
		for (c = 0; c < nc; c++)
			mix += x[c];
		if (nc > 1)
			mix /= (float)nc;
		if (mono != NULL)
			mono[i] = mix;

		if (at < m->edge)
			m->head_sq += (double)mix * mix;
		if (m->full) {
			old = m->ring[m->slot];
			m->abs_sum -= fixed_abs(old);
			m->sq_sum -= (double)old * old;
		}
		m->ring[m->slot] = mix;
		m->abs_sum += fixed_abs(mix);
		m->sq_sum += (double)mix * mix;
		if (++m->slot == m->window) {
			m->slot = 0;
			m->full = 1;
		}
		/* Strictly greater: the earliest of equally loud windows wins. */
		if (m->full && m->abs_sum > m->best_abs) {
			m->best_abs = m->abs_sum;
			m->best_sq = m->sq_sum;
			m->best_start = at + 1 - m->window;
		}
	}
}

/* Feed n frames; when mono is not NULL the mono mix is stored there too
 * (sections only). */
void
meter_feed(struct meter *m, const float *x, size_t n, float *mono)
{
	size_t piece;

	while (n > 0) {
		piece = m->piece - (size_t)(m->frames % m->piece);
		if (piece > n)
			piece = n;
		feed_windows(m, x, piece);
		if (m->sections)
			feed_sections(m, x, piece, mono);
		m->frames += piece;
		x += piece * m->channels;
		if (mono != NULL)
			mono += piece;
		n -= piece;
	}
}

static void
finish_sections(struct meter *m, struct audio_stats *st)
{
	uint64_t len;
	size_t i, e;
	double tail = 0, sq;

	if (m->frames < m->window) {
		st->loudest_start = 0;
		len = m->frames;
		sq = m->sq_sum;
	} else {
		st->loudest_start = m->best_start;
		len = m->window;
		sq = m->best_sq;
	}
	st->loudest_frames = len;
	/* The running sum of squares may drift a hair below zero. */
	st->loudest_rms_db = len && sq > 0 ? audio_db((float)sqrt(sq / len)) : -INFINITY;

	e = m->frames < m->edge ? m->frames : m->edge;
	for (i = 0; i < e; i++) {
		float v = m->ring[(m->frames - 1 - i) % m->window];
		tail += (double)v * v;
	}
	st->start_db = e ? audio_db((float)sqrt(m->head_sq / e)) : -INFINITY;
	st->end_db = e ? audio_db((float)sqrt(tail / e)) : -INFINITY;
}

static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

/* The median of a clip's window means, v reordered. Only the middle one
 * or two are wanted, so they are selected (Hoare's selection, the median
 * of three as the pivot), not sorted: the same values a sort puts there,
 * as no mean is NaN or -0 (sums of samples from +0 are never -0). Any
 * NaN, which the comparison cannot order, goes to qsort as it always did. */
static float
select_kth(float *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		size_t i = lo, j = hi, mid = lo + (hi - lo) / 2;
		float a = v[lo], b = v[mid], c = v[hi], pivot, t;
		pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				t = v[i];
				v[i] = v[j];
				v[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j && j != (size_t)-1)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

static double
median_means(float *v, size_t n)
{
	size_t i;
	float hi, lo;

	for (i = 0; i < n; i++)
		if (isnan(v[i]))
			break;
	if (i < n) {
		qsort(v, n, sizeof *v, cmp_float);
		return n % 2 ? v[n / 2] : ((double)v[n / 2 - 1] + v[n / 2]) / 2;
	}
	hi = select_kth(v, n, n / 2);
	if (n % 2)
		return hi;
	/* the largest below it, all of which the selection put before it */
	lo = v[0];
	for (i = 1; i < n / 2; i++)
		if (v[i] > lo)
			lo = v[i];
	return ((double)lo + hi) / 2;
}

static void
window_means(struct meter *m, struct audio_stats *st)
{
	size_t i, n = m->nmeans;
	if (n == 0) {
		st->dc = st->dc_wander = 0;
		return;
	}
	st->dc = median_means(m->means, n);
	for (i = 0; i < n; i++)
		m->means[i] = fabsf(m->means[i] - (float)st->dc);
	st->dc_wander = median_means(m->means, n);
}

void
meter_finish(struct meter *m, struct audio_stats *st)
{
	uint64_t samples = m->frames * m->channels;
	double tail = 0;
	unsigned c;
	size_t i;

	for (c = 0; c < m->channels; c++)
		if (m->run[c] > 0)
			end_run(m, c);
	/* A last window of half a window or more counts; a shorter one only
	 * when there is no other. */
	if (m->block_n > 0 && (m->loud < 0 || m->block_n * 2 >= m->win))
		end_window(m);

	st->frames = m->frames;
	st->rate = m->rate;
	st->channels = m->channels;
	st->duration = (double)m->frames / m->rate;
	st->peak = m->peak;
	st->rms = samples ? (float)sqrt(m->sum_sq / (double)samples) : 0;
	st->peak_db = audio_db(st->peak);
	st->rms_db = samples ? db_power(m->sum_sq / ((double)m->frames * m->channels)) : -INFINITY;
	st->clip_runs = m->clip_runs;
	st->clipped = m->clipped;
	window_means(m, st);
	st->abs_log_gap = samples && m->sum_abs > 0 ?
	    log(m->sum_abs / (double)samples) - m->sum_log / (double)samples : NAN;

	if (m->loud < 0) {
		st->head_db = st->tail_db = st->loud_db = st->still_db = -INFINITY;
	} else {
		for (i = 0; i < m->ntail; i++)
			tail += m->tail[i];
		st->head_db = db_power(m->head);
		st->tail_db = db_power(tail / (double)m->ntail);
		st->loud_db = db_power(m->loud);
		st->still_db = db_power(m->still);
	}
	if (m->sections) {
		finish_sections(m, st);
	} else {
		st->loudest_rms_db = st->start_db = st->end_db = NAN;
	}
}

void
audio_measure_samples(const float *samples, size_t frames, unsigned channels,
    unsigned rate, unsigned min_clip_run, struct audio_stats *st)
{
	struct meter m;

	memset(st, 0, sizeof *st);
	meter_init(&m, channels, rate, min_clip_run, AUDIO_CLIP_LEVEL, 1);
	meter_feed(&m, samples, frames, NULL);
	meter_finish(&m, st);
	meter_free(&m);
}

/* ---- in words ---- */

static void
add_db(struct buf *b, const char *what, float db, const char *unit)
{
	if (isinf(db))
		buf_addf(b, "%s -inf%s", what, unit);
	else
		buf_addf(b, "%s %.1f%s", what, db, unit);
}

static char *
describe(const struct audio_stats *st, int compact)
{
	const char *sep = compact ? " " : "  ";
	struct buf b = { 0 };
	double d = st->duration;

	if (d < 60)
		buf_addf(&b, "%.2f s", d);
	else
		buf_addf(&b, "%d:%04.1f", (int)(d / 60), fmod(d, 60));
	buf_addf(&b, "%s%g kHz%s", sep, st->rate / 1000.0, sep);
	if (st->channels == 1)
		buf_adds(&b, "mono");
	else if (st->channels == 2)
		buf_adds(&b, "stereo");
	else
		buf_addf(&b, "%u ch", st->channels);
	if (st->format[0] != '\0' && !compact)
		buf_addf(&b, "%s%s", sep, st->format);
	buf_adds(&b, sep);
	add_db(&b, compact ? "pk" : "peak", st->peak_db, compact ? "" : " dBFS");
	buf_adds(&b, sep);
	add_db(&b, compact ? "rms" : "RMS", st->rms_db, " dBFS");
	if (st->clip_runs > 0)
		buf_addf(&b, "%sclipped x%u", sep, st->clip_runs);
	buf_str(&b);
	return b.data;
}

char *
audio_describe(const struct audio_stats *st)
{
	return describe(st, 0);
}

char *
audio_describe_short(const struct audio_stats *st)
{
	return describe(st, 1);
}
