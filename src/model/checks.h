/* checks.h — automated data-quality checks (the table of checks in README.md
 * and winnow(1)).
 *
 * Checking has two phases.
 *
 * Measuring looks at one sample at a time: its bytes are read once, hashed
 * (XXH3-128) and sniffed, and audio or images are decoded from that memory
 * into a few numbers and a fingerprint (struct measure). Samples are
 * independent here, so this phase runs on worker threads, is cached by
 * path + size + mtime, and can be split into shards run on other machines
 * (partial files).
 *
 * Judging looks at every sample's measures at once: thresholds relative to
 * the dataset (typical loudness, each class's usual duration, typical image
 * size), identical content across labels and splits, near copies (from the
 * fingerprints, neardup.h), speakers across splits, class imbalance,
 * suspect labels from predictions, and any extra judges other parts
 * register (the embeddings' cluster checks). It yields findings, sorted by
 * path.
 *
 * No curses here. Headless (`winnow check`) and the browser use the same
 * calls; see checks_measure_some() for running on someone else's threads. */
#ifndef WINNOW_CHECKS_H
#define WINNOW_CHECKS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "annot.h"
#include "dataset.h"
#include "fingerprint.h"
#include "util.h"

/* ---- thresholds ---- */

enum threshold_id {
	TH_SILENT,      /* dBFS: peak below this is silent */
	TH_QUIET,       /* dB relative to the dataset's median peak */
	TH_TRUNCATED,   /* fraction of the class's median duration */
	TH_EDGE,        /* dB relative to the loudest 10 ms: an edge this loud is cut */
	TH_CLIPPED,     /* percent of samples in full-scale runs */
	TH_BLANK,       /* pixel-value spread (0-255) below which an image is flat */
	TH_TINY,        /* fraction of the dataset's median shorter side */
	TH_IMBALANCE,   /* largest class / smallest class */
	TH_OUTLIER,     /* embeddings: distance to the class centre in spreads */
	TH_SPLIT,       /* embeddings: a class's split score (embed.h) */
	TH_FIXED,       /* share of a class's clips near its median duration */
	TH_FORMAT_SHARE,/* share of the audio one rate/channels/encoding holds */
	TH_DC_OFFSET,   /* dBFS: mean sample */
	TH_NOISY,       /* dB: estimated SNR */
	TH_DARK,        /* share of full scale: brightest 1 % of an image */
	TH_BRIGHT,      /* share of full scale: darkest 1 % of an image */
	TH_BLURRY,      /* fraction of the dataset's median sharpness */
	TH_GRAYSCALE,   /* 0-255: largest channel difference of 99 % of pixels */
	TH_COLOUR_SHARE,/* share of images with colour for grayscale to apply */
	TH_ODD_ASPECT,  /* times the median width/height, either way */
	TH_LOW_INFORMATION, /* bits of luma entropy */
	TH_NEAR_AUDIO,  /* least waveform correlation of near copies */
	TH_NEAR_IMAGE,  /* most hash bits apart of near copies */
	TH_KNN_NEAR,    /* embeddings: near copies within this × the median
	                   nearest-neighbour distance (embed-knn.h) */
	TH_KNN_OUTLIER, /* embeddings: mean k-NN distance over its median */
	TH_COUNT
};

struct thresholds {
	double v[TH_COUNT];
	unsigned given;         /* 1 << id: set by thresholds_set, which wins
	                           over the configuration file */
};

/* The name used by --threshold and the configuration file ("quiet"), its
 * documented default, and a one-line description for --help. */
const char *threshold_name(enum threshold_id id);
double threshold_default(enum threshold_id id);
const char *threshold_help(enum threshold_id id);
/* Each threshold not given yet: the configuration file's `thresholds:`
 * value (settings.h; load the settings first), else the default. Start
 * from a zeroed struct. */
void thresholds_init(struct thresholds *t);
/* Apply "NAME=VALUE" (--threshold). Returns 0, or -1 with *cause set. */
int thresholds_set(struct thresholds *t, const char *assignment, char **cause);

/* ---- measuring one sample ---- */

enum measure_state {
	MEASURE_NONE = 0,       /* not measured (yet, or in another shard) */
	MEASURE_OK,             /* read, and decoded where it is audio or image */
	MEASURE_CANNOT_OPEN,    /* open or read failed (errno in err) */
	MEASURE_EMPTY,          /* zero bytes, with a media extension */
	MEASURE_UNKNOWN_BYTES,  /* media by extension, bytes of no known format */
	MEASURE_NO_FRAMES,      /* audio header without audio */
	MEASURE_UNDECODABLE,    /* the decoder refused the bytes */
	MEASURE_CUT_SHORT,      /* audio: fewer frames than the header declares */
	MEASURE_LFS_POINTER,    /* a Git LFS pointer where media should be */
	MEASURE_STATE_COUNT
};

/* What a sample's bytes say, 376 bytes a sample. Floats are NAN where they
 * do not apply; dB values may be -INFINITY (digital silence). */
struct measure {
	uint64_t hash_lo, hash_hi;      /* XXH3-128 of the bytes */
	uint64_t size;                  /* bytes */
	int64_t mtime_ns;               /* cache key with path and size */
	float duration;                 /* audio: seconds decoded */
	float declared;                 /* audio: seconds the header declares,
	                                   when more than decoded or none */
	float peak_db, rms_db;          /* audio: dBFS over the whole clip */
	float loud_db, still_db;        /* audio: loudest and quietest 10 ms RMS */
	float head_db, tail_db;         /* audio: first and last 10 ms RMS */
	float clipped;                  /* audio: % of samples in full-scale runs */
	float spread;                   /* image: pixel-value spread (0-255) */
	uint32_t width, height;         /* image: pixels */
	uint8_t format;                 /* enum format from the bytes */
	uint8_t state;                  /* enum measure_state */
	int16_t err;                    /* errno for MEASURE_CANNOT_OPEN */
	uint32_t rate;                  /* audio: frames per second */
	uint16_t channels;              /* audio */
	uint16_t encoding;              /* audio: libsndfile's subtype (audio.h) */
	float dc;                       /* audio: mean sample (full scale is 1) */
	float snr_db;                   /* audio: WADA-SNR estimate (-20 to
	                                   50 dB) */
	float luma_lo, luma_hi;         /* image: 1st and 99th percentile of
	                                   the luma (0-255) */
	float sharpness;                /* image: spread of the Laplacian over
	                                   the spread of the luma; NAN when flat */
	float chroma;                   /* image: 99th percentile of a pixel's
	                                   largest channel difference (0-255) */
	float entropy;                  /* image: of the luma histogram, bits */
	float dc_wander;                /* audio: how far the short windows'
	                                   means stray from dc (median) */
	struct fingerprint fp;          /* audio and images: near copies */
};

/* Audio is measured by audio_measure_mem (audio.h): its windows (edges,
 * loudest, quietest) are AUDIO_WINDOW_SECONDS long, and clipping is
 * counted with AUDIO_CLIP_LEVEL and AUDIO_CLIP_RUN. Images are measured
 * on the probe's thumbnail (IMAGE_PROBE_SIDE, image.h), so that sharpness
 * is relative to the picture's size and costs the same for any. */

/* Measure sample i of ds: read, hash, sniff and decode. Thread-safe.
 * scratch holds the bytes; keep it between calls to save allocations, and
 * buf_free() it at the end. */
void measure_sample(const struct dataset *ds, size_t i, struct measure *m,
    struct buf *scratch);
/* Measure bytes in memory (the part of measure_sample after reading);
 * ext_format is the format the file name promises. Sets all but mtime_ns. */
void measure_bytes(const void *bytes, size_t len, enum format ext_format,
    struct measure *m);

/* ---- findings ---- */

struct finding {
	long sample;            /* sample index, or -1: see path */
	char *path;             /* for sample -1: "." (dataset) or a folder */
	enum check_id check;
	char *detail;           /* measured value and threshold */
};

/* A sample in a group of copies: samples joined by the same bytes, near
 * fingerprints or near embeddings, directly or through others. */
struct copy_member {
	uint32_t group;         /* the group's lowest sample */
	uint32_t sample;
};

struct findings {
	struct finding *v;
	size_t n, cap;
	size_t count[CHECK_COUNT];
	/* Pairs of copies the judges saw (findings_link), and, after
	 * findings_group, the groups they make: every member, by group, then
	 * by sample. */
	uint32_t *links;        /* 2 × nlinks samples */
	size_t nlinks, caplinks;
	struct copy_member *copies;
	size_t ncopies;
};

/* Append a finding; path is copied (ignored when sample >= 0). */
void findings_add(struct findings *f, long sample, const char *path,
    enum check_id check, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Samples a and b are copies of each other (findings or not). */
void findings_link(struct findings *f, size_t a, size_t b);
/* Join the links into groups (f->copies), again after more links. */
void findings_group(struct findings *f);
/* A deep copy of src into dst (to add to while src is read elsewhere). */
void findings_copy(struct findings *dst, const struct findings *src);
/* The members of sample i's group of copies, *n of them in sample order
 * (a pointer into f->copies); NULL when it has no copy. */
const struct copy_member *findings_copies(const struct findings *f, size_t i,
    size_t *n);
/* Sort by path (bytes), then by check: the order of `winnow check`. */
void findings_sort(struct findings *f, const struct dataset *ds);
/* The path a finding is reported under (relative to ROOT). */
const char *finding_path(const struct finding *f, const struct dataset *ds);
void findings_free(struct findings *f);

/* ---- judging the whole dataset ---- */

struct check_context {
	struct dataset *ds;
	const struct measure *m;        /* ds->nsamples measures */
	const struct thresholds *th;
	const char *predictions;        /* predictions file, or NULL */
	FILE *problems;                 /* where problems with the predictions
	                                   or embeddings go, or NULL */
	int (*stopping)(void *);        /* or NULL: a long judge (the
	                                   embeddings' neighbours) gives up
	                                   when this returns nonzero */
	void *stopping_arg;
};

/* A judge another part adds (the embeddings' cluster-outlier and
 * cluster-split): called after the built-in checks with the same context;
 * it appends with findings_add. Returns 0, or -1 with *cause set. */
typedef int (*check_judge_fn)(const struct check_context *ctx, void *arg,
    struct findings *out, char **cause);

/* A class needs this many measured samples to have a norm of its own;
 * smaller classes are held to the dataset's. */
#define CLASS_NORM_MIN 5

/* For the judges (checks.c): the median of n values, sorted in place (NAN
 * for none); whether a measure is of audio, or an image, that decoded. */
double median(float *v, size_t n);
int is_audio(const struct measure *m);
int is_image(const struct measure *m);
/* The values of the labelled samples that keep takes, grouped by label:
 * a counting sort into one array, label k's at (*byclass)[start[k] ..
 * start[k + 1]), start[nlabels] of them in all. Returns start; the caller
 * frees it and *byclass. */
size_t *by_label(const struct check_context *ctx, int (*keep)(const struct measure *),
    float (*value)(const struct measure *), float **byclass);

/* The quality judges (check-quality.c): format-mismatch, dc-offset and
 * noisy for audio; dark, bright, blurry, grayscale, odd-aspect and
 * low-information for images. checks_finish runs them after checks_judge,
 * whose helpers they use. */
void judge_quality(const struct check_context *ctx, struct findings *out);

/* The built-in judges over complete measures. Pure: no files are read but
 * the predictions, whose labels unknown to the dataset are added to ds
 * (predictions_annotate): call where nothing else reads ds meanwhile.
 * Returns 0, or -1 with *cause set (predictions). */
int checks_judge(const struct check_context *ctx, struct findings *out, char **cause);

/* ---- a run: measures, cache, shards, judges ---- */

struct check_options {
	struct thresholds th;
	const char *predictions;        /* NULL: none */
	FILE *problems;                 /* see struct check_context */
	int use_cache;                  /* read and write the cache */
	unsigned shard, nshards;        /* measure shard `shard` (1-based) of
	                                   nshards; nshards 0: every sample */
};

struct checks;

/* Start a run over ds (which must outlive it); the cache is read by the
 * first thread that measures. Returns a new run that checks_free() frees. */
struct checks *checks_new(struct dataset *ds, const struct check_options *opt);
void checks_free(struct checks *c);
/* Add a judge (see check_judge_fn) run by checks_finish(). */
void checks_add_judge(struct checks *c, check_judge_fn fn, void *arg);

/* Samples this run measures (its shard), and how many are done. */
size_t checks_total(const struct checks *c);
size_t checks_done(const struct checks *c);
/* Measure up to `most` samples not yet claimed by any thread; returns how
 * many it measured, 0 when nothing is left. Any number of threads may call
 * this at once (the browser's worker pool, or checks_measure_all). */
size_t checks_measure_some(struct checks *c, size_t most);
/* Measure everything on nthreads threads (0: one per core), calling
 * progress(arg) from this thread about ten times a second when not NULL. */
void checks_measure_all(struct checks *c, int nthreads,
    void (*progress)(struct checks *, void *), void *arg);
/* Write the measures back to the cache (when the run uses it). Failure
 * only costs speed next time, so it is silent. */
void checks_save_cache(struct checks *c);

/* A shard's measures as a partial file, for --merge. Returns 0, or -1 with
 * *cause set. */
int checks_write_partial(struct checks *c, FILE *f, char **cause);
/* Take the measures in n partial files (each written by any shard, on any
 * machine, of the same dataset), read side by side on all cores. A sample
 * in two of them is an error (a shard given twice); *cause is the first
 * file's error in the order given. Returns 0, or -1 with *cause set. */
int checks_read_partials(struct checks *c, char *const *files, size_t n, char **cause);
/* Samples still without measures (a shard's partial file missing). */
size_t checks_unmeasured(const struct checks *c, long *first);

/* Judge: the built-in checks and the added judges, findings sorted and
 * the copies grouped.
 * Returns 0, or -1 with *cause set. */
int checks_finish(struct checks *c, struct findings *out, char **cause);
/* The run's measures (ds->nsamples of them). */
const struct measure *checks_measures(const struct checks *c);

/* Fill the browser's arrays from a run: findings bits, peak, RMS and
 * duration. a->n must be ds->nsamples; missing arrays are allocated. */
void checks_annotate(const struct checks *c, const struct findings *f,
    struct annotations *a);

/* Is sample path in shard `shard` of nshards? (hash of the path) */
int checks_in_shard(const char *path, unsigned shard, unsigned nshards);

#endif
