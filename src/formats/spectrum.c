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
 * common rate (8 kHz: 256 … 96 kHz: 4096).
 *
 * A frame of n real samples is transformed as n / 2 complex ones (the
 * even samples the real parts, the odd ones the imaginary), and its n / 2
 * + 1 bins are taken apart from that after (`split`): a complex transform
 * of half the size and one pass costs about half of FFTW's own real
 * transform as FFTW_ESTIMATE plans it (0.27 µs against 0.60 µs for 512
 * points here), and measuring plans would make a clip's numbers depend on
 * a timing. */
enum plan_kind { PLAN_REAL, PLAN_HALF };

static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;
struct plan {
	unsigned n;
	enum plan_kind kind;
	fftwf_plan plan;
	/* PLAN_HALF: cos and sin of 2πk / n for k < n / 2, each twice over
	 * for vectors of complex numbers: twiddle_cos[2k] =
	 * twiddle_cos[2k + 1] = cos 2πk / n, and twiddle_sin the same */
	float *twiddle_cos, *twiddle_sin;
};
static struct plan plans[8];
static unsigned nplans;

/* The complex transforms of 64 to 2048 points (frames of 8 to 96 kHz
 * clips) as FFTW measured them best on an x86-64 with AVX, from
 * `fftwf-wisdom -n cof64 cof128 cof256 cof512 cof1024 cof2048` (Debian's
 * libfftw3-bin): 0.14 µs for 256 points where FFTW_ESTIMATE's plan takes
 * 0.17-0.22 µs, and the same plan in every run, where measuring at run
 * time could choose another each time (and round another way). With
 * another FFTW, or a processor without AVX, it is refused and the plans
 * are estimated as before. */
static const char wisdom[] =
	"(fftw-3.3.10 fftwf_wisdom #x9e7d4dee #xdb14fed1 #x34bf76a4 #xeb6e8fdf\n"
	"  (fftwf_codelet_t2fv_4_avx 0 #x11048 #x11048 #x0 #x161166c7 #x05df8f94 #xd8ed13e3 #x84c874a9)\n"
	"  (fftwf_codelet_n2fv_16_avx 0 #x11048 #x11048 #x0 #xf246dd1d #x433be1dd #x669fbc87 #xe433ec82)\n"
	"  (fftwf_codelet_t2fv_16_avx 0 #x11048 #x11048 #x0 #x8f86ac3f #x7cc3d8db #xc7865ecc #xea8b825e)\n"
	"  (fftwf_codelet_n2fv_8_avx 0 #x11048 #x11048 #x0 #x3f177dac #xd6bae8fd #xec314547 #x95908075)\n"
	"  (fftwf_codelet_t2fv_32_avx 0 #x11048 #x11048 #x0 #xa5af12be #x8ea95383 #xcd10c847 #xe6812dfa)\n"
	"  (fftwf_codelet_t2fv_4_avx 0 #x11048 #x11048 #x0 #x2c50659a #x343a7df7 #xd727540d #xacfea1f9)\n"
	"  (fftwf_codelet_n2fv_64_avx 0 #x11048 #x11048 #x0 #x03406dff #xc8fa0a2c #x62a9a61e #xa394d874)\n"
	"  (fftwf_codelet_n2fv_64_avx 0 #x11048 #x11048 #x0 #xb8f48902 #x3e3cffd5 #x0902e318 #xff82254a)\n"
	"  (fftwf_codelet_t2fv_64_avx 0 #x11048 #x11048 #x0 #xfeec02f8 #xbbf06357 #xb26e7a2b #xf7b9dcb8)\n"
	"  (fftwf_codelet_n2fv_8_avx 0 #x11048 #x11048 #x0 #x6af30f58 #x888f2b57 #xe7e2a33a #x9ba6b982)\n"
	"  (fftwf_codelet_n2fv_16_avx 0 #x11048 #x11048 #x0 #xe338bb01 #xcce8bf8f #x166215e4 #x2a142c67)\n"
	"  (fftwf_codelet_t2fv_64_avx 0 #x11048 #x11048 #x0 #xc6ca45ce #xf08c5f4a #x61a53ade #xe5e374c8)\n"
	")\n";
static int wisdom_read, wisdom_taken;

/* Under plan_lock. */
static void
wisdom_import(void)
{
	if (!wisdom_read) {
		wisdom_taken = fftwf_import_wisdom_from_string(wisdom);
		wisdom_read = 1;
	}
}

int
spectrum_wisdom_taken(void)
{
	int taken;
	pthread_mutex_lock(&plan_lock);
	wisdom_import();
	taken = wisdom_taken;
	pthread_mutex_unlock(&plan_lock);
	return taken;
}

/* The plan for a real transform of size n, as FFTW's own (PLAN_REAL) or
 * as a complex one of n / 2 (PLAN_HALF, n even). *owned is set when it
 * was not kept (the cache is full) and the caller must free it with
 * plan_drop. */
static struct plan
plan_get(unsigned n, enum plan_kind kind, int *owned)
{
	struct plan p = { n, kind, NULL, NULL, NULL };
	unsigned i, h = n / 2;
	float *in;
	fftwf_complex *out;

	*owned = 0;
	pthread_mutex_lock(&plan_lock);
	for (i = 0; i < nplans; i++)
		if (plans[i].n == n && plans[i].kind == kind)
			p = plans[i];
	if (p.plan == NULL) {
		in = fftwf_malloc(n * sizeof *in);
		out = fftwf_malloc((n / 2 + 1) * sizeof *out);
		if (in == NULL || out == NULL)
			die("out of memory");
		/* FFTW_ESTIMATE, which takes the wisdom above where it
		 * applies: measuring would cost more than a clip's whole
		 * transform, and leaves the arrays untouched. */
		wisdom_import();
		if (kind == PLAN_REAL) {
			p.plan = fftwf_plan_dft_r2c_1d((int)n, in, out, FFTW_ESTIMATE);
		} else {
			p.plan = fftwf_plan_dft_1d((int)h, (fftwf_complex *)in, out,
			    FFTW_FORWARD, FFTW_ESTIMATE);
			p.twiddle_cos = xmalloc(2 * (h ? h : 1) * sizeof *p.twiddle_cos);
			p.twiddle_sin = xmalloc(2 * (h ? h : 1) * sizeof *p.twiddle_sin);
			for (i = 0; i < h; i++) {
				p.twiddle_cos[2 * i] = p.twiddle_cos[2 * i + 1] =
				    (float)cos(2 * M_PI * i / n);
				p.twiddle_sin[2 * i] = p.twiddle_sin[2 * i + 1] =
				    (float)sin(2 * M_PI * i / n);
			}
		}
		fftwf_free(in);
		fftwf_free(out);
		if (nplans < ARRAY_SIZE(plans))
			plans[nplans++] = p;
		else
			*owned = 1;
	}
	pthread_mutex_unlock(&plan_lock);
	return p;
}

static void
plan_drop(struct plan *p)
{
	pthread_mutex_lock(&plan_lock);
	fftwf_destroy_plan(p->plan);
	pthread_mutex_unlock(&plan_lock);
	free(p->twiddle_cos);
	free(p->twiddle_sin);
}

/* The Hann window of n points and the sum of its values, made once for
 * each of a few lengths (n cosines cost a fifth of a clip's transforms);
 * *owned is set when it was not kept, and the caller frees it. */
static struct {
	unsigned n;
	float *w, gain;
} windows[8];
static unsigned nwindows;

static const float *
window_get(unsigned n, float *gain, int *owned)
{
	float *w = NULL;
	unsigned i, k;

	*owned = 0;
	pthread_mutex_lock(&plan_lock);
	for (i = 0; i < nwindows; i++)
		if (windows[i].n == n) {
			w = windows[i].w;
			*gain = windows[i].gain;
		}
	if (w == NULL) {
		w = xmalloc(n * sizeof *w);
		*gain = 0;
		for (k = 0; k < n; k++) {
			w[k] = 0.5f - 0.5f * cosf(2 * (float)M_PI * k / n);
			*gain += w[k];
		}
		if (nwindows < ARRAY_SIZE(windows)) {
			windows[nwindows].n = n;
			windows[nwindows].w = w;
			windows[nwindows++].gain = *gain;
		} else
			*owned = 1;
	}
	pthread_mutex_unlock(&plan_lock);
	return w;
}

/* The power of bins [0, bins) of the real transform of size p->n, from z,
 * the complex transform of its samples taken in pairs, times scale, into
 * power[0], power[stride], power[2 · stride] …: with
 * w the conjugate of z[h - k] (z[0] for k = 0),
 *     X[k] = ((z[k] + w) - i·e^(-2πik/n)·(z[k] - w)) / 2
 * and X[h] = Re z[0] - Im z[0]. The halving is in the scale.
 *
 * Four bins at a time in vectors of eight floats (one instruction each
 * with AVX2, two without), each lane the same operations in the same
 * order as the one-bin loop: the same bits whichever runs. */
typedef float floats8 __attribute__((vector_size(32)));

static inline float
split_one(const struct plan *p, const fftwf_complex *z, unsigned h, unsigned k,
    float s)
{
	unsigned j = k ? h - k : 0;
	float zr = z[k][0], zi = z[k][1], wr = z[j][0], wi = -z[j][1];
	float er = zr + wr, ei = zi + wi, dr = zr - wr, di = zi - wi;
	float c = p->twiddle_cos[2 * k], sn = p->twiddle_sin[2 * k];
	/* -i·(c - i·sn)·(dr + i·di) */
	float xr = er + c * di - sn * dr, xi = ei + c * -dr - sn * di;
	return (xr * xr + xi * xi) * s;
}

AVX2_CLONES static void
split(const struct plan *p, const fftwf_complex *z, unsigned bins, float scale,
    float *power, size_t stride)
{
	unsigned h = p->n / 2, k = 0, end = bins < h ? bins : h;
	float s = scale * 0.25f;
	const floats8 conj = { 1, -1, 1, -1, 1, -1, 1, -1 };

	if (end > 0)
		power[k++ * stride] = split_one(p, z, h, 0, s);
	for (; k + 4 <= end; k += 4) {
		floats8 a, b, w, e, d, dswap, c, sn, x, xx, sum;
		memcpy(&a, z + k, sizeof a);            /* z[k .. k + 3] */
		memcpy(&b, z + h - k - 3, sizeof b);    /* z[h - k - 3 .. h - k] */
		w = __builtin_shufflevector(b, b, 6, 7, 4, 5, 2, 3, 0, 1) * conj;
		e = a + w;
		d = a - w;
		dswap = __builtin_shufflevector(d, d, 1, 0, 3, 2, 5, 4, 7, 6) * conj;
		memcpy(&c, p->twiddle_cos + 2 * k, sizeof c);
		memcpy(&sn, p->twiddle_sin + 2 * k, sizeof sn);
		/* real lanes er + c·di - sn·dr, imaginary ei + c·-dr - sn·di */
		x = e + c * dswap - sn * d;
		xx = x * x;
		sum = (xx + __builtin_shufflevector(xx, xx, 1, 0, 3, 2, 5, 4, 7, 6)) *
		    (floats8){ s, s, s, s, s, s, s, s };
		power[k * stride] = sum[0];
		power[(k + 1) * stride] = sum[2];
		power[(k + 2) * stride] = sum[4];
		power[(k + 3) * stride] = sum[6];
	}
	for (; k < end; k++)
		power[k * stride] = split_one(p, z, h, k, s);
	if (bins > h) {
		float x = z[0][0] - z[0][1];
		power[h * stride] = x * x * scale;
	}
}

/* in = x · w over n: no array overlaps another. Eight at a time where
 * the processor has AVX2 (each product the same either way). */
AVX2_CLONES static void
window_frame(float *restrict in, const float *restrict x, const float *restrict w,
    size_t n)
{
	size_t k;
	int l;
	/* eight at a time, which the compiler does in one instruction (two
	 * without AVX2) */
	for (k = 0; k + 8 <= n; k += 8)
		for (l = 0; l < 8; l++)
			in[k + l] = x[k + l] * w[k + l];
	for (; k < n; k++)
		in[k] = x[k] * w[k];
}

/* The spectrogram in dB, or (top_hz > 0) only the power of its bins up
 * to top_hz: no logarithm. */
static struct spectrogram *
compute(const float *mono, size_t n, unsigned rate, double top_hz)
{
	struct spectrogram *s = xcalloc(1, sizeof *s);
	struct plan plan;
	float *in, *row, gain = 0, scale;
	const float *win;
	int win_owned;
	fftwf_complex *out;
	size_t f, start, len;
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
		/* four frames side by side, the missing ones of the last
		 * four zero */
		s->power = xcalloc((s->frames + 3) / 4 * 4 * s->power_bins, sizeof *s->power);
	} else {
		s->db = xmalloc(s->frames * s->bins * sizeof *s->db);
	}

	win = window_get(s->window, &gain, &win_owned);
	/* A sine of amplitude A peaks at A·Σw/2 in its bin; dB come from
	 * the power, 10·log10(|X|²·scale²), with no square root. */
	scale = 2.0f / gain;
	scale *= scale;

	in = fftwf_malloc(s->fft * sizeof *in);
	out = fftwf_malloc(s->bins * sizeof *out);
	if (in == NULL || out == NULL)
		die("out of memory");
	plan = plan_get(s->fft, PLAN_HALF, &owned);
	s->max_db = SPECTRUM_FLOOR_DB;
	for (f = 0; f < s->frames; f++) {
		start = f * s->hop;
		len = start < n ? n - start : 0;
		if (len > s->window)
			len = s->window;
		window_frame(in, mono + start, win, len);
		memset(in + len, 0, (s->fft - len) * sizeof *in);
		fftwf_execute_dft(plan.plan, (fftwf_complex *)in, out);
		if (s->power != NULL) {
			split(&plan, out, s->power_bins, scale,
			    s->power + (f / 4 * s->power_bins) * 4 + f % 4, 4);
			continue;
		}
		row = s->db + f * s->bins;
		split(&plan, out, s->bins, scale, row, 1);
		for (b = 0; b < s->bins; b++) {
			power = row[b];
			row[b] = power > 1e-12f ? 10 * log10f(power) : SPECTRUM_FLOOR_DB;
			if (row[b] > s->max_db)
				s->max_db = row[b];
		}
	}
	if (owned)
		plan_drop(&plan);
	fftwf_free(in);
	fftwf_free(out);
	if (win_owned)
		free((float *)win);
	return s;
}

void
spectrum_dft_power(const float *v, unsigned n, unsigned size, double *power,
    unsigned bins)
{
	float *in = fftwf_malloc(size * sizeof *in);
	fftwf_complex *out = fftwf_malloc((size / 2 + 1) * sizeof *out);
	struct plan plan;
	unsigned b;
	int owned;

	if (in == NULL || out == NULL)
		die("out of memory");
	memcpy(in, v, n * sizeof *in);
	memset(in + n, 0, (size - n) * sizeof *in);
	plan = plan_get(size, PLAN_REAL, &owned);
	fftwf_execute_dft_r2c(plan.plan, in, out);
	if (owned)
		plan_drop(&plan);
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
