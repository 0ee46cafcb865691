/* fingerprint.h — compact fingerprints of decoded audio and images, and how
 * far apart two are: what finds near copies (re-encoded, resampled, quieter,
 * shifted, resized, recompressed) among many samples. No curses.
 *
 * Each fingerprint has a 64-bit code for candidate search: near copies
 * differ in few of its bits, so an index of bit chunks finds them without
 * comparing every pair. A candidate pair is then decided from the
 * fingerprint alone (no file is read again):
 *
 * - audio: FP_WAVE samples (96 ms) of the mono mix low-passed to 1.8 kHz
 *   and taken at FP_WAVE_RATE around the centre of the sound's energy
 *   (which moves with the sound, not with what coding or low noise does to
 *   a part of it), in 4 bits; the code is the shape of their fine spectrum
 *   (where the harmonics fall); and, for the whole sound, its envelope
 *   (its level in FP_ENVELOPE frames of 20 ms around the same centre) and
 *   its spectrum (FP_BANDS bands from 250 Hz to 3.5 kHz, which a round
 *   trip through 8 kHz keeps). fp_audio_correlation estimates how well
 *   the two waveforms correlate: the largest normalised correlation of the
 *   pieces within ±FP_MAX_LAG samples (between samples too), times the
 *   likeness of the envelopes, and nothing when the spectra differ by more
 *   than FP_SPECTRUM_DB. A copy re-encoded, resampled, quieter, shifted or
 *   under low noise keeps all of these (near 1); another voice saying the
 *   same word, or another note of the same pitch, does not.
 * - images: the 64-bit DCT hash (pHash) of a 32×32 luminance downscale:
 *   the signs of the lowest frequencies against their median, so neither
 *   brightness nor scale nor recompression moves many bits; and a
 *   FP_THUMB × FP_THUMB thumbnail of the luminance. fp_image_distance is
 *   the number of bits that differ, fp_image_correlation how well the
 *   thumbnails correlate: words written in one style share a hash within
 *   a few bits, not a thumbnail.
 *
 * Thread-safe. */
#ifndef WINNOW_FINGERPRINT_H
#define WINNOW_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#define FP_KEEP_SECONDS 8.0     /* of a clip's start, looked at */
#define FP_WAVE_RATE 4000       /* Hz */
#define FP_WAVE 384             /* samples: 96 ms */
#define FP_MAX_LAG 6            /* samples: ±1.5 ms */
#define FP_ENVELOPE 64          /* frames of 20 ms: 1.28 s */
#define FP_BANDS 16             /* of the spectrum, 250 Hz to 3.5 kHz */
#define FP_SPECTRUM_DB 3.0      /* the most two near copies' spectra differ */

enum fp_kind { FP_NONE, FP_AUDIO, FP_IMAGE };

/* What decides whether two clips are near copies; bytes only, so that it
 * can be written and read as it is (partial files). */
struct fp_audio_data {
	uint8_t wave[FP_WAVE / 2];      /* sample i in the low (even i) or high
	                                   (odd i) 4 bits of byte i / 2, -7 to 7
	                                   in two's complement */
	uint8_t envelope[FP_ENVELOPE / 2]; /* the level of frame i, 0 to 15,
	                                   packed the same way */
	uint8_t spectrum[FP_BANDS / 2]; /* band i's mean level over the sound,
	                                   2 dB a step below the strongest band,
	                                   packed the same way */
};

/* What decides whether two pictures whose hashes are near are copies: the
 * luma of FP_THUMB x FP_THUMB squares of the picture, the darkest 0 and the
 * lightest 255 (bytes only, as above). */
#define FP_THUMB 12
struct fp_image_data {
	uint8_t luma[FP_THUMB * FP_THUMB];
};

/* 248 bytes. */
struct fingerprint {
	uint64_t code;                  /* for the index */
	uint8_t kind;                   /* enum fp_kind */
	uint8_t pad[7];
	union {
		struct fp_audio_data audio;
		struct fp_image_data image;
	};
};

/* Audio, fed as it is decoded (audio_measure_mem_tap's tap): fp_audio_new,
 * fp_audio_feed with each block, fp_audio_finish (which frees it). */
struct fp_audio;
struct fp_audio *fp_audio_new(void);
void fp_audio_feed(const float *frames, size_t n, unsigned channels,
    unsigned rate, void *fp_audio);
/* Fill fp (kind FP_NONE when there is no sound: digital silence) and free a. */
void fp_audio_finish(struct fp_audio *a, struct fingerprint *fp);
/* Free a without a fingerprint (the clip did not decode whole). */
void fp_audio_discard(struct fp_audio *a);

/* An image from RGBA8 pixels, rows top-down. */
void fp_image(const uint8_t *rgba, int width, int height, struct fingerprint *fp);

/* How well two clips' waveforms correlate (-1 to 1), estimated as above;
 * the whole lag nearest the best (how far b lags a) goes to *lag when not
 * NULL. -1 when their spectra differ, or when either piece is next to
 * silent (a sound all above 1.8 kHz): there is nothing to compare. */
double fp_audio_correlation(const struct fingerprint *a, const struct fingerprint *b,
    int *lag);
/* The same, for deciding: -1 as soon as a cheap test shows the pair
 * cannot correlate `least` or better (their spectra or envelopes differ),
 * else what fp_audio_correlation gives. */
double fp_audio_near(const struct fingerprint *a, const struct fingerprint *b, double least);
/* Bits that differ (0–64). */
unsigned fp_image_distance(const struct fingerprint *a, const struct fingerprint *b);
/* How well two pictures' thumbnails correlate (-1 to 1); 1 when both are
 * flat, 0 when one is. */
double fp_image_correlation(const struct fingerprint *a, const struct fingerprint *b);

/* Are a and b the same fingerprint: the same kind, code and data (the
 * bytes that decide; padding and the unused end of the union are not
 * compared)? Two samples that are decide alike against any third. */
int fp_same(const struct fingerprint *a, const struct fingerprint *b);

/* A clip's spectrum (its FP_BANDS levels of 4 bits, band i in bits 4i to
 * 4i + 3) as one word; 0 for a picture. */
uint64_t fp_spectrum_word(const struct fingerprint *fp);

/* How far apart two clips' spectra (as words) are: the RMS difference in
 * dB of their bands, their mean levels set equal (gain is not a
 * difference), grows with this integer, FP_BANDS · Σd² - (Σd)² over the
 * bands' differences d in steps. */
static inline long
fp_spectrum_spread(uint64_t a, uint64_t b)
{
	long sum = 0, squares = 0, i;
	for (i = 0; i < FP_BANDS; i++) {
		long d = (long)(a >> (4 * i) & 15) - (long)(b >> (4 * i) & 15);
		sum += d;
		squares += d * d;
	}
	return FP_BANDS * squares - sum * sum;
}

/* The least spread at which the spectra differ by more than
 * FP_SPECTRUM_DB: such clips are no near copies. The first thing
 * fp_audio_near tests, and one a search can make from words kept beside
 * the codes. */
long fp_spectrum_far(void);

/* Bits in which two codes differ. */
static inline unsigned
fp_code_distance(uint64_t a, uint64_t b)
{
	return (unsigned)__builtin_popcountll(a ^ b);
}

/* The waveform piece's samples are low-passed four at a time where they
 * can be; set to 1, one at a time (for the tests, which compare the two). */
extern int fp_wave_one_at_a_time;

#endif
