/* spectrum.h — log-magnitude spectrogram of a clip, with FFTW. No curses.
 *
 * Frames are 25 ms long (a Hann window, the usual frame for speech) and
 * start every 10 ms; each is zero-padded to the next power of two and
 * transformed. For long clips the hop grows so that there are at most
 * SPECTRUM_MAX_FRAMES frames: a screen never shows more columns.
 *
 * Values are dB relative to full scale: a full-scale sine centred on a bin
 * reads 0 dB there (the window's gain is divided out); silence reads
 * SPECTRUM_FLOOR_DB.
 *
 * Thread-safe: FFTW's plan creation is not, so plans are made under a lock
 * and kept for reuse; executing a plan is. */
#ifndef WINNOW_SPECTRUM_H
#define WINNOW_SPECTRUM_H

#include <stddef.h>

#define SPECTRUM_WINDOW_SECONDS 0.025
#define SPECTRUM_HOP_SECONDS 0.010
#define SPECTRUM_MAX_FRAMES 4096
#define SPECTRUM_FLOOR_DB -120.0f

struct spectrogram {
	unsigned rate;
	size_t frames;          /* time steps */
	unsigned bins;          /* fft / 2 + 1, from 0 Hz to rate / 2 */
	unsigned window, hop, fft;      /* in samples */
	float max_db;           /* the loudest cell */
	float *db;              /* frames × bins: db[frame * bins + bin] */
	/* spectrogram_power only (db is NULL then): the power the dB are
	 * made of, |X|² with the window's gain divided out, of the lowest
	 * power_bins bins, four frames side by side (so that sums over bins
	 * run for four frames at once): frame f's bin b is
	 * power[(f / 4 · power_bins + b) · 4 + f % 4] (spectrogram_power_at);
	 * the frames that would follow the last in its four are 0. */
	unsigned power_bins;
	float *power;
};

/* Spectrogram of n mono samples at `rate`. Returns a new spectrogram the
 * caller frees with spectrogram_free; a clip shorter than one frame gets
 * one zero-padded frame. */
struct spectrogram *spectrogram_compute(const float *mono, size_t n, unsigned rate);
/* The same frames' power, not in dB, in the bins up to top_hz only: for
 * measures that add powers, with no logarithm per bin to undo. */
struct spectrogram *spectrogram_power(const float *mono, size_t n, unsigned rate,
    double top_hz);
void spectrogram_free(struct spectrogram *s);

static inline float
spectrogram_power_at(const struct spectrogram *s, size_t frame, unsigned bin)
{
	return s->power[(frame / 4 * s->power_bins + bin) * 4 + frame % 4];
}

/* |X|² of the DFT of v[0, n) padded with zeros to `size` points (an even
 * size, n ≤ size), in its bins [0, bins): the spectrum at frequencies
 * k / size of the sample rate. */
void spectrum_dft_power(const float *v, unsigned n, unsigned size, double *power,
    unsigned bins);

/* Whether FFTW took the plans winnow carries for its frames' transforms
 * (FFTW 3.3.10 on a processor with AVX does); else they are estimated. */
int spectrum_wisdom_taken(void);

/* Centre frequency of a bin, in Hz. */
double spectrogram_bin_hz(const struct spectrogram *s, unsigned bin);

/* Resample onto a cols × rows grid for drawing: columns split the frames
 * evenly, rows split the frequencies evenly on the mel scale, row 0 the
 * highest band (the top of the screen). A cell holds the largest dB value
 * of the frames and bins it covers. out holds cols · rows floats, row by
 * row. */
void spectrogram_grid(const struct spectrogram *s, unsigned cols, unsigned rows,
    float *out);
/* The mel band of grid row `row` of `rows`, in Hz. */
void spectrogram_row_hz(const struct spectrogram *s, unsigned row, unsigned rows,
    double *lo, double *hi);

/* The mel scale (O'Shaughnessy's formula): hertz to mels and back. */
double spectrum_hz_to_mel(double hz);
double spectrum_mel_to_hz(double mel);

#endif
