/* fingerprint.h — compact fingerprints of decoded audio and images, and how
 * far apart two are: what finds near copies (re-encoded, resampled, quieter,
 * shifted, resized, recompressed) among many samples. No curses.
 *
 * Each fingerprint has a 64-bit code for candidate search: near copies
 * differ in few of its bits, so an index of bit chunks finds them without
 * comparing every pair. A candidate pair is then decided from the
 * fingerprint alone (no file is read again):
 *
 * - audio: the code has the spectral shape of the sound (its first to last
 *   loud part, in the first FP_KEEP_SECONDS of the mono mix, split in eight)
 *   in eight bands from 250 Hz to 3.5 kHz, which a round trip through 8 kHz
 *   keeps; shape, not level, so gain does not move it. The decision is the
 *   waveform: FP_WAVE samples (256 ms) of the mix low-passed to 600 Hz and
 *   taken at FP_WAVE_RATE around the centre of the sound's energy there
 *   (which moves with the sound, not with what coding or noise does to a
 *   part of it), in 4 bits. fp_audio_correlation is the largest normalised
 *   correlation of two such waveforms within ±FP_MAX_LAG samples, between
 *   samples too: a copy re-encoded, resampled, quieter, shifted or under
 *   low noise keeps its waveform (near 1), where another voice saying the
 *   same word does not. A sound with next to nothing below 600 Hz has no
 *   waveform to compare, and no near copies.
 * - images: the 64-bit DCT hash (pHash) of a 32×32 luminance downscale:
 *   the signs of the lowest frequencies against their median, so neither
 *   brightness nor scale nor recompression moves many bits.
 *   fp_image_distance is the number of bits that differ.
 *
 * Thread-safe. */
#ifndef WINNOW_FINGERPRINT_H
#define WINNOW_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#define FP_KEEP_SECONDS 8.0     /* of a clip's start, for the code */
#define FP_WAVE_RATE 1500       /* Hz */
#define FP_WAVE 384             /* samples: 256 ms */
#define FP_MAX_LAG 25           /* samples: ±17 ms */

enum fp_kind { FP_NONE, FP_AUDIO, FP_IMAGE };

/* 208 bytes. */
struct fingerprint {
	uint64_t code;                  /* for the index */
	uint8_t kind;                   /* enum fp_kind */
	uint8_t pad[7];
	uint8_t wave[FP_WAVE / 2];      /* audio: sample i in the low (even i)
	                                   or high (odd i) 4 bits of byte i / 2,
	                                   -7 to 7 in two's complement */
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

/* The largest normalised correlation (-1 to 1) of two clips' waveforms
 * within ±FP_MAX_LAG samples; the whole lag nearest the best (how far b
 * lags a) goes to *lag when not NULL. -1 when either has next to nothing
 * below 600 Hz: its waveform there tells nothing. */
double fp_audio_correlation(const struct fingerprint *a, const struct fingerprint *b,
    int *lag);
/* Bits that differ (0–64). */
unsigned fp_image_distance(const struct fingerprint *a, const struct fingerprint *b);

/* Bits in which two codes differ. */
static inline unsigned
fp_code_distance(uint64_t a, uint64_t b)
{
	return (unsigned)__builtin_popcountll(a ^ b);
}

#endif
