/* spectrum.c — log-magnitude spectrogram with FFTW. */
#include "config.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <fftw3.h>

#include "spectrum.h"
#include "util.h"

/* FFTW's planner is not thread-safe; its plans are, for new-array execution
 * on arrays aligned as fftwf_malloc aligns them. A few sizes cover every
 * common rate (8 kHz: 256 … 96 kHz: 4096). */
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	unsigned n;
	fftwf_plan plan;
} plans[8];
static unsigned nplans;

/* The plan for size n. *owned is set when it was not kept (the cache is
 * full) and the caller must destroy it with plan_drop. */
static fftwf_plan
plan_get(unsigned n, int *owned)
{
	fftwf_plan plan = NULL;
	unsigned i;
	float *in;
	fftwf_complex *out;

	*owned = 0;
	pthread_mutex_lock(&plan_lock);
	for (i = 0; i < nplans; i++)
		if (plans[i].n == n)
			plan = plans[i].plan;
	if (plan == NULL) {
		in = fftwf_malloc(n * sizeof *in);
		out = fftwf_malloc((n / 2 + 1) * sizeof *out);
		if (in == NULL || out == NULL)
			die("out of memory");
		/* FFTW_ESTIMATE: measuring would cost more than a clip's
		 * whole transform, and leaves the arrays untouched. */
		plan = fftwf_plan_dft_r2c_1d((int)n, in, out, FFTW_ESTIMATE);
		fftwf_free(in);
		fftwf_free(out);
		if (nplans < ARRAY_SIZE(plans)) {
			plans[nplans].n = n;
			plans[nplans++].plan = plan;
		} else
			*owned = 1;
	}
	pthread_mutex_unlock(&plan_lock);
	return plan;
}

static void
plan_drop(fftwf_plan plan)
{
	pthread_mutex_lock(&plan_lock);
	fftwf_destroy_plan(plan);
	pthread_mutex_unlock(&plan_lock);
}

/* in = x · w over n: no array overlaps another. */
static void
window_frame(float *restrict in, const float *restrict x, const float *restrict w,
    size_t n)
{
	size_t k;
	/* four at a time, which the compiler does in one instruction */
	for (k = 0; k + 4 <= n; k += 4) {
		in[k] = x[k] * w[k];
		in[k + 1] = x[k + 1] * w[k + 1];
		in[k + 2] = x[k + 2] * w[k + 2];
		in[k + 3] = x[k + 3] * w[k + 3];
	}
	for (; k < n; k++)
		in[k] = x[k] * w[k];
}

/* The spectrogram in dB, or (top_hz > 0) only the power of its bins up
 * to top_hz: no logarithm. */
static struct spectrogram *
compute(const float *mono, size_t n, unsigned rate, double top_hz)
{
	struct spectrogram *s = xcalloc(1, sizeof *s);
	fftwf_plan plan;
	float *in, *win, *row, gain = 0, scale;
	fftwf_complex *out;
	size_t f, start, k, len;
	unsigned b;
	int owned;
	float power;

	s->rate = rate;
	s->window = (unsigned)lround(rate * SPECTRUM_WINDOW_SECONDS);
	if (s->window < 2)
		s->window = 2;
	for (s->fft = 2; s->fft < s->window; s->fft *= 2)
		;
	s->bins = s->fft / 2 + 1;
	s->hop = (unsigned)lround(rate * SPECTRUM_HOP_SECONDS);
	if (s->hop < 1)
		s->hop = 1;
	if (n <= s->window)
		s->frames = 1;
	else {
		if ((n - s->window + s->hop - 1) / s->hop + 1 > SPECTRUM_MAX_FRAMES)
			s->hop = (unsigned)((n - s->window + SPECTRUM_MAX_FRAMES - 2) /
			    (SPECTRUM_MAX_FRAMES - 1));
		s->frames = (n - s->window + s->hop - 1) / s->hop + 1;
	}
	if (top_hz > 0) {
		s->power_bins = (unsigned)(top_hz * s->fft / rate) + 1;
		if (s->power_bins > s->bins)
			s->power_bins = s->bins;
		s->power = xmalloc(s->frames * s->power_bins * sizeof *s->power);
	} else {
		s->db = xmalloc(s->frames * s->bins * sizeof *s->db);
	}

	win = xmalloc(s->window * sizeof *win);
	for (k = 0; k < s->window; k++) {
		win[k] = 0.5f - 0.5f * cosf(2 * (float)M_PI * k / s->window);
		gain += win[k];
	}
	/* A sine of amplitude A peaks at A·Σw/2 in its bin; dB come from
	 * the power, 10·log10(|X|²·scale²), with no square root. */
	scale = 2.0f / gain;
	scale *= scale;

	in = fftwf_malloc(s->fft * sizeof *in);
	out = fftwf_malloc(s->bins * sizeof *out);
	if (in == NULL || out == NULL)
		die("out of memory");
	plan = plan_get(s->fft, &owned);
	s->max_db = SPECTRUM_FLOOR_DB;
	for (f = 0; f < s->frames; f++) {
		start = f * s->hop;
		len = start < n ? n - start : 0;
		if (len > s->window)
			len = s->window;
		window_frame(in, mono + start, win, len);
		memset(in + len, 0, (s->fft - len) * sizeof *in);
		fftwf_execute_dft_r2c(plan, in, out);
		if (s->power != NULL) {
			row = s->power + f * s->power_bins;
			for (b = 0; b < s->power_bins; b++)
				row[b] = (out[b][0] * out[b][0] + out[b][1] * out[b][1]) * scale;
			continue;
		}
		row = s->db + f * s->bins;
		for (b = 0; b < s->bins; b++) {
			power = (out[b][0] * out[b][0] + out[b][1] * out[b][1]) * scale;
			row[b] = power > 1e-12f ? 10 * log10f(power) : SPECTRUM_FLOOR_DB;
			if (row[b] > s->max_db)
				s->max_db = row[b];
		}
	}
	if (owned)
		plan_drop(plan);
	fftwf_free(in);
	fftwf_free(out);
	free(win);
	return s;
}

void
spectrum_dft_power(const float *v, unsigned n, unsigned size, double *power,
    unsigned bins)
{
	float *in = fftwf_malloc(size * sizeof *in);
	fftwf_complex *out = fftwf_malloc((size / 2 + 1) * sizeof *out);
	fftwf_plan plan;
	unsigned b;
	int owned;

	if (in == NULL || out == NULL)
		die("out of memory");
	memcpy(in, v, n * sizeof *in);
	memset(in + n, 0, (size - n) * sizeof *in);
	plan = plan_get(size, &owned);
	fftwf_execute_dft_r2c(plan, in, out);
	if (owned)
		plan_drop(plan);
	for (b = 0; b < bins && b <= size / 2; b++)
		power[b] = (double)out[b][0] * out[b][0] + (double)out[b][1] * out[b][1];
	fftwf_free(in);
	fftwf_free(out);
}

struct spectrogram *
spectrogram_compute(const float *mono, size_t n, unsigned rate)
{
	return compute(mono, n, rate, 0);
}

struct spectrogram *
spectrogram_power(const float *mono, size_t n, unsigned rate, double top_hz)
{
	return compute(mono, n, rate, top_hz > 0 ? top_hz : 1);
}

void
spectrogram_free(struct spectrogram *s)
{
	if (s == NULL)
		return;
	free(s->db);
	free(s->power);
	free(s);
}

double
spectrogram_bin_hz(const struct spectrogram *s, unsigned bin)
{
	return (double)bin * s->rate / s->fft;
}

double
spectrum_hz_to_mel(double hz)
{
	return 2595 * log10(1 + hz / 700);
}

double
spectrum_mel_to_hz(double mel)
{
	return 700 * (pow(10, mel / 2595) - 1);
}

void
spectrogram_row_hz(const struct spectrogram *s, unsigned row, unsigned rows,
    double *lo, double *hi)
{
	double top = spectrum_hz_to_mel(s->rate / 2.0);
	unsigned band = rows - 1 - row;

	*lo = spectrum_mel_to_hz(top * band / rows);
	*hi = spectrum_mel_to_hz(top * (band + 1) / rows);
}

void
spectrogram_grid(const struct spectrogram *s, unsigned cols, unsigned rows,
    float *out)
{
	unsigned r, c, b, b0, b1;
	size_t f, f0, f1;
	double lo, hi, step = (double)s->rate / s->fft;
	float v;

	for (r = 0; r < rows; r++) {
		spectrogram_row_hz(s, r, rows, &lo, &hi);
		/* The bins whose centres fall in the band; a band narrower
		 * than a bin (low rows) takes the bin nearest its middle. */
		b0 = (unsigned)ceil(lo / step);
		b1 = (unsigned)ceil(hi / step);
		if (r == 0)
			b1 = s->bins;
		if (b1 > s->bins)
			b1 = s->bins;
		if (b0 >= b1) {
			b0 = (unsigned)lround((lo + hi) / 2 / step);
			if (b0 >= s->bins)
				b0 = s->bins - 1;
			b1 = b0 + 1;
		}
		for (c = 0; c < cols; c++) {
			f0 = s->frames * c / cols;
			f1 = s->frames * (c + 1) / cols;
			if (f1 <= f0)
				f1 = f0 + 1;
			v = SPECTRUM_FLOOR_DB;
			for (f = f0; f < f1; f++)
				for (b = b0; b < b1; b++)
					if (s->db[f * s->bins + b] > v)
						v = s->db[f * s->bins + b];
			out[(size_t)r * cols + c] = v;
		}
	}
}
