/* fingerprint.c — near-copy fingerprints of audio (96 ms of coarse
 * waveform, the sound's envelope and spectrum) and images (a DCT hash),
 * and how alike two are. */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "spectrum.h"
#include "util.h"

/* ---- audio ---- */

#define BANDS FP_BANDS
#define BAND_LO_HZ 250.0
#define BAND_HI_HZ 3500.0
/* Frames this far below the loudest are not the sound. */
#define LOUD_DB 30.0
/* The waveform's low-pass, below FP_WAVE_RATE / 2. */
#define CUTOFF_HZ 1800.0
/* Half the low-pass filter's length, in seconds, and how finely its
 * shape is tabled (points a clip sample). */
#define FILTER_SECONDS 0.008
#define TABLE_STEPS 8
#define FRAME_SECONDS 0.02      /* the envelope's frames */
#define SPECTRUM_STEP_DB 2.0
/* The centre is sought within this of where it is, this many times. */
#define CENTRE_REACH_SECONDS 0.1
#define CENTRE_ROUNDS 6
#define RMS_SPAN 3.0
/* A bin's power at or below this (SPECTRUM_FLOOR_DB) is none. */
#define SILENT_POWER 1e-12f
/* The spectrum is needed up to here. */
#define TOP_HZ (BAND_HI_HZ > CUTOFF_HZ ? BAND_HI_HZ : CUTOFF_HZ)

struct fp_audio {
	float *mono;
	size_t n, cap, keep;
	unsigned rate;
};

struct fp_audio *
fp_audio_new(void)
{
	return xcalloc(1, sizeof(struct fp_audio));
}

void
fp_audio_feed(const float *frames, size_t n, unsigned channels, unsigned rate,
    void *arg)
{
	struct fp_audio *a = arg;
	size_t i, take;
	unsigned c;

	if (a->rate == 0) {
		a->rate = rate;
		a->keep = (size_t)(FP_KEEP_SECONDS * rate);
	}
	if (a->n >= a->keep || channels == 0)
		return;
	take = a->keep - a->n < n ? a->keep - a->n : n;
	a->mono = xgrow(a->mono, &a->cap, a->n + take, sizeof *a->mono);
	if (channels == 1) {
		memcpy(a->mono + a->n, frames, take * sizeof *a->mono);
		a->n += take;
		return;
	}
	for (i = 0; i < take; i++) {
		float sum = 0;
		for (c = 0; c < channels; c++)
			sum += frames[i * channels + c];
		a->mono[a->n + i] = sum / (float)channels;
	}
	a->n += take;
}

/* Sums of the powers of bins [lo, hi) of four frames (the spectrogram's
 * g-th four, which sit side by side), each a chain of additions in double
 * in the order of the bins, in four lanes (one instruction each with
 * AVX2). A silent bin adds +0, which leaves a sum of powers as it is. */
typedef float four_floats __attribute__((vector_size(16)));
typedef int four_ints __attribute__((vector_size(16)));
typedef double four_doubles __attribute__((vector_size(32)));

AVX2_CLONES static void
sum_bins(const struct spectrogram *s, size_t g, unsigned lo, unsigned hi, double sum[4])
{
	const float *q = s->power + g * s->power_bins * 4;
	four_doubles acc = { 0, 0, 0, 0 };
	unsigned k;

	for (k = lo; k < hi; k++) {
		four_floats v;
		memcpy(&v, q + k * 4, sizeof v);
		v = (four_floats)((four_ints)v & (v > SILENT_POWER));
		acc += __builtin_convertvector(v, four_doubles);
	}
	memcpy(sum, &acc, sizeof acc);
}

/* Band powers of each spectrum frame: p[frames][BANDS]. */
static double *
band_powers(const struct spectrogram *s)
{
	unsigned first[BANDS + 1], b, j;
	double *p = xcalloc(s->frames * BANDS, sizeof *p), sum[4];
	size_t g;

	for (b = 0; b <= BANDS; b++) {
		double hz = spectrum_mel_to_hz(spectrum_hz_to_mel(BAND_LO_HZ) +
		    (spectrum_hz_to_mel(BAND_HI_HZ) - spectrum_hz_to_mel(BAND_LO_HZ)) * b / BANDS);
		first[b] = (unsigned)lround(hz * s->fft / s->rate);
		if (first[b] > s->power_bins)
			first[b] = s->power_bins;
	}
	for (g = 0; g * 4 < s->frames; g++)
		for (b = 0; b < BANDS; b++) {
			sum_bins(s, g, first[b], first[b + 1], sum);
			for (j = 0; j < 4 && g * 4 + j < s->frames; j++)
				p[(g * 4 + j) * BANDS + b] = sum[j];
		}
	return p;
}

/* The centre of the clip's energy below CUTOFF_HZ, in samples: a mean over
 * the whole sound moves with the sound and hardly with what coding or low
 * noise does to any part of it, where the loudest instant of a steady
 * vowel can jump. Every frame counts by its power: a cut-off below some
 * level would move the centre as a frame crossed it. */
static double
centre_low(const struct spectrogram *s)
{
	unsigned top = (unsigned)(CUTOFF_HZ * s->fft / s->rate), below;
	double *power = xcalloc(s->frames, sizeof *power), sum = 0, at = 0, reach;
	size_t f;
	int round;

	/* Each frame's power, four frames side by side (as in band_powers),
	 * then their sums in frame order. */
	below = top < s->power_bins ? top + 1 : s->power_bins;   /* bins 0 to top */
	for (f = 0; f < s->frames; f += 4) {
		double four[4];
		unsigned j;
		sum_bins(s, f / 4, 0, below, four);
		for (j = 0; j < 4 && f + j < s->frames; j++)
			power[f + j] = four[j];
	}
	for (f = 0; f < s->frames; f++) {
		sum += power[f];
		at += power[f] * ((double)f * s->hop + s->window / 2.0);
	}
	at = sum > 0 ? at / sum : 0;
	/* Then the centre of what is near it, weighed by a smooth window,
	 * a few times: far parts of a long sound no longer pull it. */
	reach = CENTRE_REACH_SECONDS * s->rate;
	for (round = 0; round < CENTRE_ROUNDS; round++) {
		double num = 0, den = 0;
		for (f = 0; f < s->frames; f++) {
			double t = (double)f * s->hop + s->window / 2.0, d = fabs(t - at) / reach;
			if (d < 1) {
				double w = power[f] * (0.5 + 0.5 * cos(M_PI * d));
				num += w * t;
				den += w;
			}
		}
		if (den > 0)
			at = num / den;
	}
	free(power);
	return at;
}

/* The mean power of each band over the frames within LOUD_DB of the
 * loudest, in SPECTRUM_STEP_DB steps below the loudest band (at most 15). */
static void
spectrum(const struct spectrogram *s, const double *p, struct fingerprint *fp)
{
	double band[BANDS] = { 0 }, loudest = 0, top = 0;
	size_t f;
	unsigned b;

	for (f = 0; f < s->frames; f++) {
		double e = 0;
		for (b = 0; b < BANDS; b++)
			e += p[f * BANDS + b];
		if (e > loudest)
			loudest = e;
	}
	for (f = 0; f < s->frames; f++) {
		double e = 0;
		for (b = 0; b < BANDS; b++)
			e += p[f * BANDS + b];
		if (e >= loudest * pow(10.0, -LOUD_DB / 10) && e > 0)
			for (b = 0; b < BANDS; b++)
				band[b] += p[f * BANDS + b];
	}
	for (b = 0; b < BANDS; b++)
		if (band[b] > top)
			top = band[b];
	for (b = 0; b < BANDS; b++) {
		double below = band[b] > 0 && top > 0 ? 10 * log10(top / band[b]) : 99;
		long v = lrint(below / SPECTRUM_STEP_DB);
		v = v > 15 ? 15 : v;
		fp->audio.spectrum[b / 2] |= (uint8_t)(v << (b % 2 * 4));
	}
}

/* The sound's level (the amplitude between 250 Hz and 3.5 kHz) in
 * FP_ENVELOPE frames of 20 ms centred on `centre`, 0 to 15 of the
 * loudest: the shape of the whole sound in time, where the waveform piece
 * has only 256 ms of it. */
static void
envelope(const struct spectrogram *s, double centre, struct fingerprint *fp)
{
	double *p = band_powers(s), level[FP_ENVELOPE] = { 0 }, top = 0;
	unsigned count[FP_ENVELOPE] = { 0 }, b;
	double frame = FRAME_SECONDS * s->rate;
	size_t f;
	long j;

	for (f = 0; f < s->frames; f++) {
		double t = (double)f * s->hop + s->window / 2.0 - centre;
		double e = 0;
		j = (long)floor(t / frame) + FP_ENVELOPE / 2;
		if (j < 0 || j >= FP_ENVELOPE)
			continue;
		for (b = 0; b < BANDS; b++)
			e += p[f * BANDS + b];
		level[j] += e;
		count[j]++;
	}
	for (j = 0; j < FP_ENVELOPE; j++) {
		level[j] = count[j] ? sqrt(level[j] / count[j]) : 0;
		if (level[j] > top)
			top = level[j];
	}
	for (j = 0; j < FP_ENVELOPE; j++) {
		long v = top > 0 ? lrint(level[j] * 15 / top) : 0;
		fp->audio.envelope[j / 2] |= (uint8_t)(v << (j % 2 * 4));
	}
	spectrum(s, p, fp);
	free(p);
}

/* The code, from the piece's fine spectrum: its magnitude at 65
 * frequencies CODE_STEP_HZ apart from CODE_LO_HZ, in CODE_DB_STEP steps
 * down to CODE_FLOOR_DB below the strongest, and a bit for each that is
 * above the next. Harmonics fall where the pitch puts them, so two takes
 * differ in many bits and a copy in few; what is below the floor is equal
 * in both, and noise there moves no bit. */
#define CODE_LO_HZ 150.0
#define CODE_STEP_HZ 20.0
#define CODE_DB_STEP 3.0
#define CODE_FLOOR_DB 30.0

/* The DFT's size, FP_WAVE_RATE / (CODE_STEP_HZ / 2): its bins half a
 * step apart, CODE_LO_HZ on one of them. */
#define CODE_DFT 400

static double code_window[FP_WAVE];

static void
make_code_window(void)
{
	int i;
	for (i = 0; i < FP_WAVE; i++)
		code_window[i] = 0.5 - 0.5 * cos(2 * M_PI * (i + 0.5) / FP_WAVE);
}

static uint64_t
audio_code(const double *y)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	double mag[65], power[CODE_DFT / 2 + 1], top = 0, db;
	float v[FP_WAVE];
	uint64_t code = 0;
	unsigned lo = (unsigned)(CODE_LO_HZ * CODE_DFT / FP_WAVE_RATE);
	int k, i;

	pthread_once(&once, make_code_window);
	for (i = 0; i < FP_WAVE; i++)
		v[i] = (float)(y[i] * code_window[i]);
	/* one transform, padded to bins half a step apart: every other
	 * bin from CODE_LO_HZ */
	spectrum_dft_power(v, FP_WAVE, CODE_DFT, power, CODE_DFT / 2 + 1);
	for (k = 0; k < 65; k++) {
		mag[k] = power[lo + 2 * k];
		if (mag[k] > top)
			top = mag[k];
	}
	for (k = 0; k < 65; k++) {
		db = top > 0 && mag[k] > 0 ? 10 * log10(mag[k] / top) : -CODE_FLOOR_DB;
		mag[k] = floor((db < -CODE_FLOOR_DB ? -CODE_FLOOR_DB : db) / CODE_DB_STEP);
	}
	for (k = 0; k < 64; k++)
		if (mag[k] > mag[k + 1])
			code |= (uint64_t)1 << k;
	return code;
}

/* The low-pass filter's shape at TABLE_STEPS points a sample of a clip
 * at `rate`: the same for every clip of that rate, so made once for each
 * of a few rates (and for any other rate each time, into *own). */
static pthread_mutex_t kernel_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	unsigned rate;
	double *kernel;
} kernels[8];
static unsigned nkernels;

static const double *
kernel_get(unsigned rate, size_t entries, double **own)
{
	double half = FILTER_SECONDS * rate, *kernel = NULL;
	size_t e;
	unsigned i;

	*own = NULL;
	pthread_mutex_lock(&kernel_lock);
	for (i = 0; i < nkernels; i++)
		if (kernels[i].rate == rate)
			kernel = kernels[i].kernel;
	if (kernel == NULL) {
		kernel = xmalloc(entries * sizeof *kernel);
		for (e = 0; e < entries; e++) {
			double d = (double)e / TABLE_STEPS, t = d / rate;
			kernel[e] = d >= half ? 0 : (t == 0 ? 1 :
			    sin(2 * M_PI * CUTOFF_HZ * t) / (2 * M_PI * CUTOFF_HZ * t)) *
			    (0.5 + 0.5 * cos(M_PI * d / half));
		}
		if (nkernels < ARRAY_SIZE(kernels)) {
			kernels[nkernels].rate = rate;
			kernels[nkernels++].kernel = kernel;
		} else {
			*own = kernel;
		}
	}
	pthread_mutex_unlock(&kernel_lock);
	return kernel;
}

/* Σ x[i]·w[i] over n, in eight lanes of single precision, which the
 * compiler does in two instructions of four lanes, or one of eight where
 * the processor has AVX2 (no fused multiply-add: the same sums to the
 * bit): the sum is wanted to 4 bits. */
AVX2_CLONES static double
dot(const float *x, const float *w, long n)
{
	float s[8] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	long i;
	int l;

	for (i = 0; i + 8 <= n; i += 8) {
		s[0] += x[i] * w[i];
		s[1] += x[i + 1] * w[i + 1];
		s[2] += x[i + 2] * w[i + 2];
		s[3] += x[i + 3] * w[i + 3];
		s[4] += x[i + 4] * w[i + 4];
		s[5] += x[i + 5] * w[i + 5];
		s[6] += x[i + 6] * w[i + 6];
		s[7] += x[i + 7] * w[i + 7];
	}
	for (; i < n; i++)
		s[0] += x[i] * w[i];
	for (l = 1; l < 8; l++)
		s[0] += s[l];
	return s[0];
}

int fp_wave_one_at_a_time;

/* dot() of four stretches of x `stride` apart with the same w, into
 * out: each sum in the same eight lanes and order as dot's (so the same
 * bits), four chains side by side, where one waits on its own additions. */
typedef float lanes8 __attribute__((vector_size(32)));

AVX2_CLONES static void
dot4(const float *x, long stride, const float *w, long n, double out[4])
{
	lanes8 s0 = { 0 }, s1 = { 0 }, s2 = { 0 }, s3 = { 0 }, wv, x0, x1, x2, x3;
	lanes8 s[4];
	long i, k;
	int j, l;

	/* four named sums, not an array: the compiler keeps them in
	 * registers */
	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&wv, w + i, sizeof wv);
		memcpy(&x0, x + i, sizeof x0);
		memcpy(&x1, x + stride + i, sizeof x1);
		memcpy(&x2, x + 2 * stride + i, sizeof x2);
		memcpy(&x3, x + 3 * stride + i, sizeof x3);
		s0 += x0 * wv;
		s1 += x1 * wv;
		s2 += x2 * wv;
		s3 += x3 * wv;
	}
	s[0] = s0;
	s[1] = s1;
	s[2] = s2;
	s[3] = s3;
	for (j = 0; j < 4; j++) {
		float sum = s[j][0];
		for (k = i; k < n; k++)
			sum += x[j * stride + k] * w[k];
		for (l = 1; l < 8; l++)
			sum += s[j][l];
		out[j] = sum;
	}
}

/* FP_WAVE samples of the mix low-passed to CUTOFF_HZ (a Hann-windowed
 * sinc, looked up in a table at TABLE_STEPS points a clip sample) and
 * taken at FP_WAVE_RATE, centred on `centre` (zeros past the clip's ends),
 * in 4 bits: RMS_SPAN times the RMS is full scale, so that the few louder
 * peaks are cut and the quieter parts keep steps enough to be compared;
 * and the code from them. Returns 0 when they are all zero. */
static int
wave_piece(const float *mono, size_t n, unsigned rate, double centre,
    struct fingerprint *fp)
{
	double step = (double)rate / FP_WAVE_RATE, half = FILTER_SECONDS * rate;
	size_t entries = (size_t)(half * TABLE_STEPS) + 2, e, taps = (size_t)(2 * half) + 2;
	double *own, y[FP_WAVE], sq = 0, scale;
	const double *kernel = kernel_get(rate, entries, &own);
	float *weight = xmalloc(taps * sizeof *weight);
	double phase = -1;
	long lo, hi, k, j;

	for (k = 0; k < FP_WAVE; k++) {
		double c = centre + (k - FP_WAVE / 2) * step;
		long first = (long)ceil(c - half);
		/* The weights depend only on where c falls between two
		 * samples: with a whole step (16 kHz to 4 kHz) they are worked
		 * out once. */
		if (c - first != phase) {
			phase = c - first;
			for (e = 0; e < taps; e++) {
				double d = fabs(first + (long)e - c) * TABLE_STEPS, frac = d - floor(d);
				size_t at = (size_t)d;
				weight[e] = at + 1 < entries ?
				    (float)(kernel[at] + (kernel[at + 1] - kernel[at]) * frac) : 0;
			}
		}
		lo = first < 0 ? 0 : first;
		hi = (long)floor(c + half);
		if (hi >= (long)n)
			hi = (long)n - 1;
		/* Four samples at once where all four fall at this phase, a
		 * whole step apart, within the clip. */
		if (!fp_wave_one_at_a_time && k + 4 <= FP_WAVE && lo == first && c >= 0 &&
		    step == floor(step)) {
			long more = 0;
			for (j = 1; j < 4; j++) {
				double cj = centre + (k + j - FP_WAVE / 2) * step;
				long fj = (long)ceil(cj - half), hj = (long)floor(cj + half);
				if (cj - fj != phase || fj != first + j * (long)step ||
				    hj - fj != hi - lo || hj >= (long)n || cj >= (double)n)
					break;
				more++;
			}
			if (more == 3 && c < (double)n) {
				double four[4];
				dot4(mono + lo, (long)step, weight, hi - lo + 1, four);
				for (j = 0; j < 4; j++) {
					y[k + j] = four[j];
					sq += four[j] * four[j];
				}
				k += 3;
				continue;
			}
		}
		y[k] = c >= 0 && c < (double)n ?
		    dot(mono + lo, weight + (lo - first), hi - lo + 1) : 0;
		sq += y[k] * y[k];
	}
	free(weight);
	free(own);
	if (sq == 0)
		return 0;
	fp->code = audio_code(y);
	scale = sq > 0 ? 7 / (RMS_SPAN * sqrt(sq / FP_WAVE)) : 0;
	for (k = 0; k < FP_WAVE; k++) {
		long v = lrint(y[k] * scale);
		v = v > 7 ? 7 : v < -7 ? -7 : v;
		fp->audio.wave[k / 2] |= (uint8_t)((v & 15) << (k % 2 * 4));
	}
	return 1;
}

void
fp_audio_finish(struct fp_audio *a, struct fingerprint *fp)
{
	struct spectrogram *s;

	memset(fp, 0, sizeof *fp);
	if (a->n > 0) {
		double centre;
		s = spectrogram_power(a->mono, a->n, a->rate, TOP_HZ);
		centre = centre_low(s);
		/* digital silence has no fingerprint */
		if (wave_piece(a->mono, a->n, a->rate, centre, fp)) {
			envelope(s, centre, fp);
			fp->kind = FP_AUDIO;
		} else {
			memset(fp, 0, sizeof *fp);
		}
		spectrogram_free(s);
	}
	fp_audio_discard(a);
}

void
fp_audio_discard(struct fp_audio *a)
{
	free(a->mono);
	free(a);
}

/* Sum of squares (of ±7 samples) below which a waveform is not compared:
 * a mean square of 1. */
#define MIN_POWER FP_WAVE

static inline int
nibble(const uint8_t *v, long i)
{
	int x = v[i / 2] >> (i % 2 * 4) & 15;
	return x >= 8 ? x - 16 : x;
}

/* The RMS difference is SPECTRUM_STEP_DB · sqrt(spread / FP_BANDS²), so
 * it passes FP_SPECTRUM_DB from one spread on: found once from that
 * formula, so that the test in integers refuses exactly what it would. */
static long far_from;

static void
find_far_from(void)
{
	long v;
	far_from = LONG_MAX;
	for (v = 0; v <= (long)FP_BANDS * FP_BANDS * 15 * 15; v++)
		if (SPECTRUM_STEP_DB * sqrt((double)v / ((double)FP_BANDS * FP_BANDS)) >
		    FP_SPECTRUM_DB) {
			far_from = v;
			break;
		}
}

long
fp_spectrum_far(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, find_far_from);
	return far_from;
}

uint64_t
fp_spectrum_word(const struct fingerprint *fp)
{
	uint64_t w = 0;
	int i;
	if (fp->kind != FP_AUDIO)
		return 0;
	for (i = 0; i < FP_BANDS / 2; i++)
		w |= (uint64_t)fp->audio.spectrum[i] << (8 * i);
	return w;
}

/* How alike two envelopes are: the cosine of the angle between them, at
 * the best of the shifts within one frame (the centres are found to a few
 * ms). Two sounds that share 256 ms of waveform but not their length or
 * their rhythm, as two notes of one pitch or one voice at two paces, are
 * told apart here. */
static double
envelope_similarity(const struct fingerprint *a, const struct fingerprint *b)
{
	int x[FP_ENVELOPE], y[FP_ENVELOPE + 2];
	double best = 0;
	long l, i, aa = 0, bb = 0;

	y[0] = y[FP_ENVELOPE + 1] = 0;
	for (i = 0; i < FP_ENVELOPE; i++) {
		x[i] = a->audio.envelope[i / 2] >> (i % 2 * 4) & 15;
		y[i + 1] = b->audio.envelope[i / 2] >> (i % 2 * 4) & 15;
		aa += x[i] * x[i];
		bb += y[i + 1] * y[i + 1];
	}
	if (aa == 0 || bb == 0)
		return best;
	for (l = -1; l <= 1; l++) {
		long ab = 0;
		for (i = 0; i < FP_ENVELOPE; i++)
			ab += x[i] * y[i + 1 + l];
		if (ab / sqrt((double)aa * (double)bb) > best)
			best = ab / sqrt((double)aa * (double)bb);
	}
	return best;
}

/* Correlations at fractional lags come from those at whole ones by a
 * windowed sinc over this many on either side: the waveforms are band-
 * limited below FP_WAVE_RATE / 2, and so is their correlation, so a copy
 * whose centre falls between two samples of the original's still lines up. */
#define INTERP 8
#define FRACTIONS 4

/* The weights of the windowed sinc, the same for every pair: made once. */
static double sinc_weight[FRACTIONS][2 * INTERP];

static void
make_sinc_weights(void)
{
	long f, j;
	for (f = 1; f < FRACTIONS; f++)
		for (j = -INTERP + 1; j <= INTERP; j++) {
			double d = (double)f / FRACTIONS - j;
			sinc_weight[f][j + INTERP - 1] = sin(M_PI * d) / (M_PI * d) *
			    (0.5 + 0.5 * cos(M_PI * d / INTERP));
		}
}

/* The best correlation of the waveforms over the lags, its lag in *lag.
 * b's waveform has SPAN zeros on either side, so that every lag sums the
 * same FP_WAVE products (which the compiler does in vector registers), the
 * zeros standing for what does not overlap; the sums of squares over the
 * overlap come from running sums. All in integers: exactly the sums of the
 * overlapping products. */
static double
wave_correlation(const struct fingerprint *a, const struct fingerprint *b, int *lag)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	enum { SPAN = FP_MAX_LAG + INTERP };
	double r[2 * SPAN + 1], norm[2 * SPAN + 1], best = -1;
	int16_t x[FP_WAVE], y[FP_WAVE + 2 * SPAN];
	long px[FP_WAVE + 1], py[FP_WAVE + 1];
	int best_lag = 0;
	long l, i, j, f;

	pthread_once(&once, make_sinc_weights);
	memset(y, 0, sizeof y);
	px[0] = py[0] = 0;
	for (i = 0; i < FP_WAVE; i++) {
		x[i] = (int16_t)nibble(a->audio.wave, i);
		y[i + SPAN] = (int16_t)nibble(b->audio.wave, i);
		px[i + 1] = px[i] + x[i] * x[i];
		py[i + 1] = py[i] + y[i + SPAN] * y[i + SPAN];
	}
	for (l = -SPAN; l <= SPAN; l++) {
		const int16_t *yl = y + SPAN + l;
		long aa, bb;
		int ab = 0;
		for (i = 0; i < FP_WAVE; i++)
			ab += x[i] * yl[i];
		aa = l < 0 ? px[FP_WAVE] - px[-l] : px[FP_WAVE - l];
		bb = l < 0 ? py[FP_WAVE + l] : py[FP_WAVE] - py[l];
		r[l + SPAN] = (double)ab;
		/* A waveform of a few spikes (a sound all above the low-pass,
		 * but for its onset) tells nothing. */
		norm[l + SPAN] = aa >= MIN_POWER && bb >= MIN_POWER ? sqrt((double)aa * (double)bb) : 0;
	}
	for (l = -FP_MAX_LAG; l <= FP_MAX_LAG; l++) {
		if (norm[l + SPAN] == 0)
			continue;
		for (f = 0; f < FRACTIONS; f++) {
			double v = 0;
			if (f == 0)
				v = r[l + SPAN];
			else
				for (j = -INTERP + 1; j <= INTERP; j++)
					v += r[l + j + SPAN] * sinc_weight[f][j + INTERP - 1];
			if (v / norm[l + SPAN] > best) {
				best = v / norm[l + SPAN];
				best_lag = (int)l;
			}
		}
	}
	*lag = best_lag;
	return best > 1 ? 1 : best;
}

/* The cheap tests first: spectra, then envelopes, whose similarity bounds
 * the score (a correlation is at most 1); the waveforms only for a pair
 * that can still reach `least`. */
static double
correlation(const struct fingerprint *a, const struct fingerprint *b, int *lag, double least)
{
	double env, best;
	int l = 0;

	if (lag != NULL)
		*lag = 0;
	if (fp_spectrum_spread(fp_spectrum_word(a), fp_spectrum_word(b)) >= fp_spectrum_far())
		return -1;
	env = envelope_similarity(a, b);
	if (least > 0 && env < least)
		return -1;
	/* The same fingerprint (the same sound, as hard links and copied
	 * files give by the thousand): its waveform correlates 1 with itself
	 * at lag 0, when it has power enough to be compared at all. */
	if (memcmp(&a->audio, &b->audio, sizeof a->audio) == 0) {
		long aa = 0, i;
		for (i = 0; i < FP_WAVE; i++)
			aa += (long)nibble(a->audio.wave, i) * nibble(a->audio.wave, i);
		return aa >= MIN_POWER ? env : -1;
	}
	best = wave_correlation(a, b, &l);
	if (lag != NULL)
		*lag = l;
	return best > 0 ? best * env : best;
}

double
fp_audio_correlation(const struct fingerprint *a, const struct fingerprint *b, int *lag)
{
	return correlation(a, b, lag, 0);
}

double
fp_audio_near(const struct fingerprint *a, const struct fingerprint *b, double least)
{
	return correlation(a, b, NULL, least);
}

/* ---- images ---- */

#define SIDE 32

/* Mean of src[0..n) over [from, to) with fractional ends. */
static void
box_weights(int n, int out, int o, int *lo, int *hi, double *wlo, double *whi)
{
	double from = (double)o * n / out, to = (double)(o + 1) * n / out;
	*lo = (int)floor(from);
	*hi = (int)ceil(to) - 1;
	if (*hi >= n)
		*hi = n - 1;
	*wlo = 1.0 - (from - *lo);
	*whi = to - *hi;
	if (*whi > 1)
		*whi = 1;
	if (*lo == *hi)
		*wlo = *whi = to - from;
}

static double
box(const double *v, int stride, int lo, int hi, double wlo, double whi)
{
	double sum, weight;
	int i;
	if (lo == hi)
		return v[lo * stride];
	sum = v[lo * stride] * wlo + v[hi * stride] * whi;
	weight = wlo + whi;
	for (i = lo + 1; i < hi; i++) {
		sum += v[i * stride];
		weight += 1;
	}
	return sum / weight;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The 32×32 downscale area-averaged again to FP_THUMB × FP_THUMB and
 * stretched from its darkest to its lightest, so that a brighter copy
 * keeps its bytes. */
static void
thumbnail(double small[SIDE][SIDE], struct fingerprint *fp)
{
	double t[FP_THUMB][FP_THUMB], rows[SIDE][FP_THUMB], lo = HUGE_VAL, hi = -HUGE_VAL;
	double wlo, whi;
	int x, y, a, b;

	for (y = 0; y < SIDE; y++)
		for (x = 0; x < FP_THUMB; x++) {
			box_weights(SIDE, FP_THUMB, x, &a, &b, &wlo, &whi);
			rows[y][x] = box(small[y], 1, a, b, wlo, whi);
		}
	for (x = 0; x < FP_THUMB; x++)
		for (y = 0; y < FP_THUMB; y++) {
			box_weights(SIDE, FP_THUMB, y, &a, &b, &wlo, &whi);
			t[y][x] = box(&rows[0][x], FP_THUMB, a, b, wlo, whi);
			lo = fmin(lo, t[y][x]);
			hi = fmax(hi, t[y][x]);
		}
	for (y = 0; y < FP_THUMB; y++)
		for (x = 0; x < FP_THUMB; x++)
			fp->image.luma[y * FP_THUMB + x] = hi > lo ?
			    (uint8_t)lrint(255 * (t[y][x] - lo) / (hi - lo)) : 0;
}

void
fp_image(const uint8_t *rgba, int width, int height, struct fingerprint *fp)
{
	double *luma, *rows, small[SIDE][SIDE], tmp[SIDE][9], coef[64], sorted[64];
	double cosv[9][SIDE], median;
	int x, y, u, v, lo, hi, k;
	double wlo, whi;

	memset(fp, 0, sizeof *fp);
	if (width <= 0 || height <= 0)
		return;
	luma = xmalloc((size_t)width * height * sizeof *luma);
	for (k = 0; k < width * height; k++)
		luma[k] = 0.299 * rgba[k * 4] + 0.587 * rgba[k * 4 + 1] + 0.114 * rgba[k * 4 + 2];
	/* Area-average to SIDE × SIDE: rows first, then columns. */
	rows = xmalloc((size_t)height * SIDE * sizeof *rows);
	for (y = 0; y < height; y++)
		for (x = 0; x < SIDE; x++) {
			box_weights(width, SIDE, x, &lo, &hi, &wlo, &whi);
			rows[y * SIDE + x] = box(luma + (size_t)y * width, 1, lo, hi, wlo, whi);
		}
	for (x = 0; x < SIDE; x++)
		for (y = 0; y < SIDE; y++) {
			box_weights(height, SIDE, y, &lo, &hi, &wlo, &whi);
			small[y][x] = box(rows + x, SIDE, lo, hi, wlo, whi);
		}
	free(rows);
	free(luma);
	for (u = 0; u < 9; u++)
		for (x = 0; x < SIDE; x++)
			cosv[u][x] = cos((2 * x + 1) * u * M_PI / (2 * SIDE));
	for (y = 0; y < SIDE; y++)
		for (u = 0; u < 9; u++) {
			double sum = 0;
			for (x = 0; x < SIDE; x++)
				sum += small[y][x] * cosv[u][x];
			tmp[y][u] = sum;
		}
	/* The 8×8 lowest frequencies but the mean (brightness), and one more
	 * to make 64. */
	k = 0;
	for (v = 0; v < 9; v++)
		for (u = 0; u < 9; u++) {
			double sum = 0;
			if ((u == 0 && v == 0) || u == 8 || (v == 8 && u > 0) || k == 64)
				continue;
			for (y = 0; y < SIDE; y++)
				sum += tmp[y][u] * cosv[v][y];
			coef[k++] = sum;
		}
	thumbnail(small, fp);
	memcpy(sorted, coef, sizeof sorted);
	qsort(sorted, 64, sizeof *sorted, cmp_double);
	median = (sorted[31] + sorted[32]) / 2;
	fp->kind = FP_IMAGE;
	for (k = 0; k < 64; k++)
		if (coef[k] > median)
			fp->code |= (uint64_t)1 << k;
}

unsigned
fp_image_distance(const struct fingerprint *a, const struct fingerprint *b)
{
	return fp_code_distance(a->code, b->code);
}

double
fp_image_correlation(const struct fingerprint *a, const struct fingerprint *b)
{
	double sa = 0, sb = 0, ab = 0, aa = 0, bb = 0, n = FP_THUMB * FP_THUMB;
	int i;
	for (i = 0; i < FP_THUMB * FP_THUMB; i++) {
		double x = a->image.luma[i], y = b->image.luma[i];
		sa += x;
		sb += y;
		ab += x * y;
		aa += x * x;
		bb += y * y;
	}
	aa -= sa * sa / n;
	bb -= sb * sb / n;
	ab -= sa * sb / n;
	if (aa <= 0 || bb <= 0)
		return aa <= 0 && bb <= 0 ? 1 : 0;
	return ab / sqrt(aa * bb);
}

/* The bytes of fp's data that decide: the part of the union its kind uses. */
static size_t
data_size(const struct fingerprint *fp)
{
	switch (fp->kind) {
	case FP_AUDIO:
		return sizeof fp->audio;
	case FP_IMAGE:
		return sizeof fp->image;
	default:
		return 0;
	}
}

int
fp_same(const struct fingerprint *a, const struct fingerprint *b)
{
	return a->kind == b->kind && a->code == b->code &&
	    memcmp(&a->audio, &b->audio, data_size(a)) == 0;
}
