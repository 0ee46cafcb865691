/* fingerprint.c — near-copy fingerprints of audio (a spectral-shape code
 * and 256 ms of coarse waveform) and images (a DCT hash), and how alike
 * two are. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fingerprint.h"
#include "spectrum.h"
#include "util.h"

/* ---- audio ---- */

#define BANDS 16
#define BAND_LO_HZ 250.0
#define BAND_HI_HZ 3500.0
#define SEGMENTS 8              /* of the sound, BANDS / 2 bits each */
/* Frames this far below the loudest are not the sound. */
#define LOUD_DB 30.0
/* Code cells this far below the loudest are floored. */
#define CELL_FLOOR_DB 25.0
/* The waveform's low-pass, below FP_WAVE_RATE / 2. */
#define CUTOFF_HZ 600.0
/* Half the low-pass filter's length, in seconds. */
#define FILTER_SECONDS 0.016
#define TABLE_STEPS 16
#define RMS_SPAN 3.0

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
	for (i = 0; i < take; i++) {
		float sum = 0;
		for (c = 0; c < channels; c++)
			sum += frames[i * channels + c];
		a->mono[a->n + i] = sum / (float)channels;
	}
	a->n += take;
}

static double
mel(double hz)
{
	return 2595.0 * log10(1.0 + hz / 700.0);
}

static double
mel_hz(double m)
{
	return 700.0 * (pow(10.0, m / 2595.0) - 1.0);
}

/* Band powers of each spectrum frame: p[frames][BANDS]. */
static double *
band_powers(const struct spectrogram *s)
{
	unsigned first[BANDS + 1], b, k;
	double *p = xcalloc(s->frames * BANDS, sizeof *p);
	size_t f;

	for (b = 0; b <= BANDS; b++) {
		double hz = mel_hz(mel(BAND_LO_HZ) +
		    (mel(BAND_HI_HZ) - mel(BAND_LO_HZ)) * b / BANDS);
		first[b] = (unsigned)lround(hz * s->fft / s->rate);
		if (first[b] > s->bins)
			first[b] = s->bins;
	}
	for (f = 0; f < s->frames; f++) {
		const float *row = s->db + f * s->bins;
		for (b = 0; b < BANDS; b++)
			for (k = first[b]; k < first[b + 1]; k++)
				if (row[k] > SPECTRUM_FLOOR_DB)
					p[f * BANDS + b] += pow(10.0, row[k] / 10);
	}
	return p;
}

/* The code: the sound (its first to last loud frame) in SEGMENTS equal
 * parts, each part's spectral shape in band pairs, and a bit for each pair
 * stronger than its average over the parts. Bits of the shape, not of the
 * level, so neither gain nor length moves them; 0 for digital silence. */
static uint64_t
audio_code(const struct spectrogram *s)
{
	double *p = band_powers(s), cell[SEGMENTS][BANDS / 2], mean[BANDS / 2] = { 0 };
	double loudest = 0, top = 0, e;
	size_t f, first = 0, last = 0, frames = s->frames;
	int seg, g, any = 0;
	uint64_t code = 0;
	unsigned b;

	for (f = 0; f < frames; f++) {
		for (e = 0, b = 0; b < BANDS; b++)
			e += p[f * BANDS + b];
		if (e > loudest)
			loudest = e;
	}
	for (f = 0; f < frames && loudest > 0; f++) {
		for (e = 0, b = 0; b < BANDS; b++)
			e += p[f * BANDS + b];
		if (e >= loudest * pow(10.0, -LOUD_DB / 10)) {
			if (!any)
				first = f;
			last = f;
			any = 1;
		}
	}
	if (!any) {
		free(p);
		return 0;
	}
	for (seg = 0; seg < SEGMENTS; seg++) {
		size_t from = first + (last - first + 1) * (size_t)seg / SEGMENTS;
		size_t to = first + (last - first + 1) * (size_t)(seg + 1) / SEGMENTS;
		if (to <= from)
			to = from + 1;
		for (g = 0; g < BANDS / 2; g++) {
			double sum = 0;
			for (f = from; f < to; f++)
				sum += p[f * BANDS + 2 * g] + p[f * BANDS + 2 * g + 1];
			cell[seg][g] = sum / (double)(to - from);
			if (cell[seg][g] > top)
				top = cell[seg][g];
		}
	}
	/* Cells far below the loudest are floored: their shape would be the
	 * shape of whatever noise a copy has. */
	for (seg = 0; seg < SEGMENTS; seg++) {
		double shape = 0;
		for (g = 0; g < BANDS / 2; g++) {
			cell[seg][g] = 10 * log10(cell[seg][g] + top * pow(10.0, -CELL_FLOOR_DB / 10));
			shape += cell[seg][g];
		}
		for (g = 0; g < BANDS / 2; g++) {
			cell[seg][g] -= shape / (BANDS / 2);
			mean[g] += cell[seg][g] / SEGMENTS;
		}
	}
	for (seg = 0; seg < SEGMENTS; seg++)
		for (g = 0; g < BANDS / 2; g++)
			if (cell[seg][g] > mean[g])
				code |= (uint64_t)1 << (seg * (BANDS / 2) + g);
	free(p);
	return code;
}

/* The centre of the sound's energy below CUTOFF_HZ, in samples of the
 * clip: a mean over the whole sound moves with the sound and hardly with
 * what coding or low noise does to any part of it, where the loudest
 * instant of a steady vowel can jump. Frames more than LOUD_DB below the
 * loudest do not count. */
static double
centre_low(const struct spectrogram *s)
{
	unsigned top = (unsigned)(CUTOFF_HZ * s->fft / s->rate), b;
	double *power = xcalloc(s->frames, sizeof *power), loudest = 0, sum = 0, at = 0;
	size_t f;

	for (f = 0; f < s->frames; f++) {
		for (b = 0; b <= top && b < s->bins; b++)
			if (s->db[f * s->bins + b] > SPECTRUM_FLOOR_DB)
				power[f] += pow(10.0, s->db[f * s->bins + b] / 10);
		if (power[f] > loudest)
			loudest = power[f];
	}
	for (f = 0; f < s->frames; f++)
		if (power[f] >= loudest * pow(10.0, -LOUD_DB / 10)) {
			sum += power[f];
			at += power[f] * ((double)f * s->hop + s->window / 2.0);
		}
	free(power);
	return sum > 0 ? at / sum : 0;
}

/* FP_WAVE samples of the mix low-passed to CUTOFF_HZ (a Hann-windowed
 * sinc, looked up in a table at TABLE_STEPS points a clip sample) and
 * taken at FP_WAVE_RATE, centred on `centre` (zeros past the clip's ends),
 * in 4 bits: RMS_SPAN times the RMS is full scale, so that the few louder
 * peaks are cut and the quieter parts keep steps enough to be compared. */
static void
wave_piece(const float *mono, size_t n, unsigned rate, double centre,
    struct fingerprint *fp)
{
	double step = (double)rate / FP_WAVE_RATE, half = FILTER_SECONDS * rate;
	size_t entries = (size_t)(half * TABLE_STEPS) + 2, e;
	double *kernel = xmalloc(entries * sizeof *kernel), y[FP_WAVE], sq = 0, scale;
	long i, lo, hi, k;

	for (e = 0; e < entries; e++) {
		double d = (double)e / TABLE_STEPS, t = d / rate;
		kernel[e] = d >= half ? 0 : (t == 0 ? 1 :
		    sin(2 * M_PI * CUTOFF_HZ * t) / (2 * M_PI * CUTOFF_HZ * t)) *
		    (0.5 + 0.5 * cos(M_PI * d / half));
	}
	for (k = 0; k < FP_WAVE; k++) {
		double c = centre + (k - FP_WAVE / 2) * step, sum = 0;
		lo = (long)ceil(c - half);
		hi = (long)floor(c + half);
		if (lo < 0)
			lo = 0;
		if (hi >= (long)n)
			hi = (long)n - 1;
		for (i = lo; i <= hi; i++) {
			double d = fabs(i - c) * TABLE_STEPS, frac = d - floor(d);
			e = (size_t)d;
			sum += mono[i] * (kernel[e] + (kernel[e + 1] - kernel[e]) * frac);
		}
		y[k] = c >= 0 && c < (double)n ? sum : 0;
		sq += y[k] * y[k];
	}
	free(kernel);
	scale = sq > 0 ? 7 / (RMS_SPAN * sqrt(sq / FP_WAVE)) : 0;
	for (k = 0; k < FP_WAVE; k++) {
		long v = lrint(y[k] * scale);
		v = v > 7 ? 7 : v < -7 ? -7 : v;
		fp->wave[k / 2] |= (uint8_t)((v & 15) << (k % 2 * 4));
	}
}

void
fp_audio_finish(struct fp_audio *a, struct fingerprint *fp)
{
	struct spectrogram *s;

	memset(fp, 0, sizeof *fp);
	if (a->n > 0) {
		s = spectrogram_compute(a->mono, a->n, a->rate);
		if ((fp->code = audio_code(s)) != 0) {
			wave_piece(a->mono, a->n, a->rate, centre_low(s), fp);
			fp->kind = FP_AUDIO;
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

/* Correlations at fractional lags come from those at whole ones by a
 * windowed sinc over this many on either side: the waveforms are band-
 * limited below FP_WAVE_RATE / 2, and so is their correlation, so a copy
 * whose centre falls between two samples of the original's still lines up. */
#define INTERP 8
#define FRACTIONS 4

double
fp_audio_correlation(const struct fingerprint *a, const struct fingerprint *b, int *lag)
{
	enum { SPAN = FP_MAX_LAG + INTERP };
	double r[2 * SPAN + 1], norm[2 * SPAN + 1], best = -1;
	long l, i, j, f;
	int best_lag = 0;

	for (l = -SPAN; l <= SPAN; l++) {
		long ab = 0, aa = 0, bb = 0;
		for (i = l < 0 ? -l : 0; i < FP_WAVE && i + l < FP_WAVE; i++) {
			int x = nibble(a->wave, i), y = nibble(b->wave, i + l);
			ab += x * y;
			aa += x * x;
			bb += y * y;
		}
		r[l + SPAN] = (double)ab;
		/* A waveform of a few spikes (a sound all above the low-pass,
		 * but for its onset) tells nothing. */
		norm[l + SPAN] = aa >= MIN_POWER && bb >= MIN_POWER ? sqrt((double)aa * (double)bb) : 0;
	}
	for (l = -FP_MAX_LAG; l <= FP_MAX_LAG; l++) {
		if (norm[l + SPAN] == 0)
			continue;
		for (f = 0; f < FRACTIONS; f++) {
			double x = (double)f / FRACTIONS, v = 0;
			if (f == 0) {
				v = r[l + SPAN];
			} else {
				for (j = -INTERP + 1; j <= INTERP; j++) {
					double d = x - j;
					v += r[l + j + SPAN] * sin(M_PI * d) / (M_PI * d) *
					    (0.5 + 0.5 * cos(M_PI * d / INTERP));
				}
			}
			if (v / norm[l + SPAN] > best) {
				best = v / norm[l + SPAN];
				best_lag = (int)l;
			}
		}
	}
	if (lag != NULL)
		*lag = best_lag;
	return best > 1 ? 1 : best;
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
