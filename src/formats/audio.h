/* audio.h — decoding and measuring audio clips with libsndfile. No curses.
 *
 * Samples are floats on libsndfile's scale: full-scale 16-bit PCM is ±1.0
 * (-32768 → -1.0, 32767 → 0.99997), as sox scales them.
 *
 * Levels, and what they are measured on:
 * - peak: the largest |sample| over every channel;
 * - rms: over every sample of every channel.
 *   These are the figures of `sox FILE -n stat` ("Maximum/Minimum
 *   amplitude", "RMS amplitude") and of the Overall column of
 *   `sox FILE -n stats`.
 * - the loudest section, the edge levels: on the mono mix (the mean of
 *   the channels), as Speech Commands' tools see a clip.
 * - the short windows (AUDIO_WINDOW_SECONDS: the first, the last, the
 *   loudest and the quietest): on every sample of every channel, like rms.
 * - clipping: per channel, runs of consecutive samples at full scale on
 *   the same side (a jump from one rail to the other starts a new run).
 * dBFS values are 20·log10 of the linear level; digital silence is
 * -INFINITY.
 *
 * Everything here is thread-safe: no globals, no shared state. Error
 * messages in *cause do not name the file (the caller does) and are freed
 * by the caller. */
#ifndef WINNOW_AUDIO_H
#define WINNOW_AUDIO_H

#include <stddef.h>
#include <stdint.h>

/* A sample at or above this magnitude counts as clipped (8-bit PCM, whose
 * largest positive value is 127/128, uses that value instead). */
#define AUDIO_CLIP_LEVEL 0.999f
/* Default shortest run of clipped samples that counts as clipping: one
 * full-scale sample happens in loud clean audio, three in a row rarely. */
#define AUDIO_CLIP_RUN 3
/* Length of the loudest section (extract_loudest_section's rule: the
 * window with the largest sum of |x|; the whole clip when shorter). */
#define AUDIO_LOUDEST_SECONDS 1.0
/* Length of the stretch at each end whose level tells speech cut off at
 * the edge from a clip that fades in and out. */
#define AUDIO_EDGE_SECONDS 0.02
/* Length of the short windows whose levels tell speech cut at an edge
 * and the dynamics of a clip (`winnow check`). A last window shorter than
 * half of this is left out, unless it is the only one. */
#define AUDIO_WINDOW_SECONDS 0.010
/* |x| below this counts as this in abs_log_gap: digital silence would
 * otherwise take the logarithm of zero. */
#define AUDIO_LOG_FLOOR 1e-10f

struct audio_stats {
	uint64_t frames;        /* frames decoded (every channel) */
	unsigned rate;          /* frames per second */
	unsigned channels;
	double duration;        /* frames / rate, seconds */
	char format[32];        /* "WAV 16-bit", "FLAC 24-bit", "Ogg Vorbis", "MP3" */

	float peak, rms;        /* linear, see above */
	float peak_db, rms_db;  /* dBFS */

	uint64_t loudest_start; /* first frame of the loudest section */
	uint64_t loudest_frames;/* its length: min(frames, rate · 1 s) */
	float loudest_rms_db;   /* RMS of the mono mix over that section */

	float start_db, end_db; /* RMS of the mono mix over the first and the
	                           last AUDIO_EDGE_SECONDS */

	float head_db, tail_db; /* RMS of the first and the last short window */
	float loud_db, still_db;/* RMS of the loudest and the quietest one */
	uint64_t declared;      /* frames a WAV header declares (0: none) */

	unsigned clip_runs;     /* runs of >= min_clip_run clipped samples */
	uint64_t clipped;       /* samples in those runs */

	unsigned encoding;      /* libsndfile's subtype (SF_FORMAT_PCM_16, …);
	                           audio_encoding_name names it */
	double dc;              /* DC offset: the median of the short windows'
	                           mean samples (every channel) */
	double dc_wander;       /* the windows' median distance from it */
	double abs_log_gap;     /* ln(mean |x|) - mean(ln |x|) over every
	                           sample, |x| floored at AUDIO_LOG_FLOOR: the
	                           statistic WADA-SNR reads the noise from
	                           (NAN for digital silence) */
};

/* A decoded clip. samples holds the first `frames` frames interleaved
 * (frames · channels floats); mono the same frames mixed to one channel
 * (the same pointer as samples for a mono clip). frames equals
 * stats.frames unless the file is longer than AUDIO_KEEP_SAMPLES allows:
 * the statistics always cover the whole file. */
#define AUDIO_KEEP_SAMPLES ((size_t)1 << 25)
struct audio_clip {
	struct audio_stats stats;
	size_t frames;
	float *samples;
	float *mono;
};

/* Decode path, relative to dirfd and never leaving its tree, and measure
 * it in one pass without keeping samples. min_clip_run 0 means
 * AUDIO_CLIP_RUN. Returns 0, or -1 with *cause set: an empty file, a
 * header with no audio data, a truncated file, bytes libsndfile cannot
 * read. */
int audio_measure_at(int dirfd, const char *path, unsigned min_clip_run,
    struct audio_stats *st, char **cause);

/* What audio_measure_mem found wrong with a clip, if anything. */
enum audio_fault {
	AUDIO_FAULT_NONE,
	AUDIO_FAULT_UNDECODABLE,        /* bytes libsndfile cannot read */
	AUDIO_FAULT_NO_FRAMES,          /* a header, and no audio */
	AUDIO_FAULT_CUT_SHORT,          /* fewer frames than a WAV header declares */
};
/* Measure a clip whose bytes are in memory (`winnow check` reads each
 * file once, to hash it too) with the same code as audio_measure_at, but
 * for the loudest section (loudest_rms_db, start_db and end_db are NAN):
 * the levels, the short windows and the clipping (AUDIO_CLIP_RUN) are
 * alike to the bit. Without a fault every field is set; with NO_FRAMES
 * and CUT_SHORT frames, rate, channels, duration and declared are. */
enum audio_fault audio_measure_mem(const void *bytes, size_t len,
    struct audio_stats *st);
/* The same, handing every block of decoded frames (interleaved, n frames
 * of `channels` floats) to tap as it streams past, so that more can be
 * learnt from the one decode (the near-copy fingerprint, fingerprint.h). */
typedef void (*audio_tap_fn)(const float *frames, size_t n, unsigned channels,
    unsigned rate, void *arg);
enum audio_fault audio_measure_mem_tap(const void *bytes, size_t len,
    struct audio_stats *st, audio_tap_fn tap, void *tap_arg);

/* Decode a whole clip and measure it (clipping with AUDIO_CLIP_RUN).
 * Returns a clip the caller frees with audio_clip_free, or NULL with
 * *cause set (the same failures as audio_measure_at). */
struct audio_clip *audio_decode_at(int dirfd, const char *path, char **cause);
void audio_clip_free(struct audio_clip *clip);

/* Measure samples already in memory (interleaved), the same way. The
 * format name is left empty. */
void audio_measure_samples(const float *samples, size_t frames,
    unsigned channels, unsigned rate, unsigned min_clip_run,
    struct audio_stats *st);

/* Reading a clip a block at a time (the player's decoder): the same
 * checks as audio_decode_at when opening, samples as floats, interleaved.
 * Returns a reader the caller closes with audio_reader_close, or NULL with
 * *cause set. */
struct audio_reader;
struct audio_reader *audio_reader_open(int dirfd, const char *path,
    unsigned *rate, unsigned *channels, double *duration, char **cause);
/* Read up to n frames into buf (n · channels floats). Returns the frames
 * read: 0 at the end of the clip or on an error. */
size_t audio_reader_read(struct audio_reader *r, float *buf, size_t n);
void audio_reader_close(struct audio_reader *r);

/* Rate conversion for the player, a block at a time: linear interpolation
 * between neighbouring frames (output frame t sits at input position
 * t · from / to, computed exactly in integers, so long clips do not
 * drift). Cheap and free of ringing, but it lets some aliasing through
 * when lowering the rate: it serves devices that refuse a clip's rate,
 * which mostly means raising 8–22 kHz speech to 44.1 or 48 kHz. */
struct audio_resampler;
struct audio_resampler *audio_resampler_new(unsigned channels, unsigned from,
    unsigned to);
void audio_resampler_free(struct audio_resampler *rs);
/* The most frames one call with n input frames writes. */
size_t audio_resample_max(const struct audio_resampler *rs, size_t n);
/* Convert n frames of in (interleaved) into out; n == 0 marks the end of
 * the clip and writes the last frames. Returns the frames written. Over a
 * whole clip of N frames, ceil(N · to / from) frames come out. */
size_t audio_resample(struct audio_resampler *rs, const float *in, size_t n,
    float *out);

/* Min/max envelope of frames [first, first + count) of a clip over every
 * channel, in `columns` columns: lo[i] and hi[i] are the smallest and the
 * largest sample of column i. With fewer frames than columns a frame
 * spans several columns. count must be > 0 and first + count <= frames. */
void audio_envelope(const struct audio_clip *clip, size_t first, size_t count,
    unsigned columns, float *lo, float *hi);

/* One line for the preview: "1.00 s  16 kHz  mono  WAV 16-bit  peak -6.0
 * dBFS  RMS -9.0 dBFS", with the clipping when there is some. Returns a
 * heap string the caller frees. */
char *audio_describe(const struct audio_stats *st);
/* The same for narrow panes: "1.00 s 16 kHz mono pk -6.0 rms -9.0 dBFS". */
char *audio_describe_short(const struct audio_stats *st);

/* A name for a sample encoding (audio_stats.encoding): "16-bit", "float",
 * "u-law", "Vorbis", "MPEG layer III"; "other" when unknown. Static. */
const char *audio_encoding_name(unsigned encoding);

/* Linear level to dBFS (-INFINITY for 0). */
float audio_db(float level);

#endif
