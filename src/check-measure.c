/* check-measure.c — one sample's bytes read once: hashed, sniffed, and
 * decoded from memory into the few numbers the checks judge. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>
#include <xxhash.h>

#include "checks.h"
#include "util.h"

/* ---- libsndfile reading from memory (virtual I/O) ---- */

struct memfile {
	const unsigned char *p;
	sf_count_t len, pos;
};

static sf_count_t
mem_length(void *user)
{
	return ((struct memfile *)user)->len;
}

static sf_count_t
mem_seek(sf_count_t off, int whence, void *user)
{
	struct memfile *mf = user;
	sf_count_t to = whence == SEEK_SET ? off : whence == SEEK_CUR ?
	    mf->pos + off : mf->len + off;
	if (to < 0 || to > mf->len)
		return -1;
	mf->pos = to;
	return to;
}

static sf_count_t
mem_read(void *ptr, sf_count_t n, void *user)
{
	struct memfile *mf = user;
	if (n > mf->len - mf->pos)
		n = mf->len - mf->pos;
	if (n <= 0)
		return 0;
	memcpy(ptr, mf->p + mf->pos, (size_t)n);
	mf->pos += n;
	return n;
}

static sf_count_t
mem_write(const void *ptr, sf_count_t n, void *user)
{
	(void)ptr;
	(void)n;
	(void)user;
	return 0;
}

static sf_count_t
mem_tell(void *user)
{
	return ((struct memfile *)user)->pos;
}

static SF_VIRTUAL_IO mem_io = {
	mem_length, mem_seek, mem_read, mem_write, mem_tell
};

/* ---- audio ---- */

static float
db_power(double mean_square)
{
	return (float)(10.0 * log10(mean_square));
}

/* The level at which a sample is at full scale: integer formats reach
 * (2^(b-1) - 1) / 2^(b-1) at most, so "full" is just below that. */
static float
full_scale(int format)
{
	switch (format & SF_FORMAT_SUBMASK) {
	case SF_FORMAT_PCM_S8:
	case SF_FORMAT_PCM_U8:
		return 126.5f / 128.0f;
	default:
		return 0.9999f;
	}
}

/* One pass over the decoded frames: peak, RMS, 10 ms windows (first, last,
 * loudest, quietest) and samples in full-scale runs. */
struct audio_pass {
	int channels;
	sf_count_t frames, win;
	double sum_sq;
	float peak, level;
	double block_sq;        /* current window's sum of mean squares */
	sf_count_t block_n;
	double head, loud, still; /* window mean squares; loud < 0: none yet */
	float *ring;            /* last `win` frames' mean squares */
	uint32_t *run;          /* per channel: current full-scale run */
	uint64_t clipped;
};

static void
pass_end_block(struct audio_pass *a)
{
	double ms = a->block_sq / (double)a->block_n;
	if (a->loud < 0) {
		a->head = a->loud = a->still = ms;
	} else {
		if (ms > a->loud)
			a->loud = ms;
		if (ms < a->still)
			a->still = ms;
	}
	a->block_sq = 0;
	a->block_n = 0;
}

static void
pass_frames(struct audio_pass *a, const float *x, sf_count_t n)
{
	sf_count_t f;
	int c, nc = a->channels;
	for (f = 0; f < n; f++, x += nc) {
		double sq = 0;
		for (c = 0; c < nc; c++) {
			float v = fabsf(x[c]);
			sq += (double)x[c] * x[c];
			if (v > a->peak)
				a->peak = v;
			if (v >= a->level) {
				a->run[c]++;
			} else {
				if (a->run[c] >= CLIP_RUN)
					a->clipped += a->run[c];
				a->run[c] = 0;
			}
		}
		a->sum_sq += sq;
		sq /= nc;
		a->ring[a->frames % a->win] = (float)sq;
		a->frames++;
		a->block_sq += sq;
		if (++a->block_n == a->win)
			pass_end_block(a);
	}
}

static void
measure_audio(const void *bytes, size_t len, struct measure *m)
{
	struct memfile mf = { bytes, (sf_count_t)len, 0 };
	struct audio_pass a = { 0 };
	SF_INFO info = { 0 };
	SNDFILE *sf;
	float chunk[4096];
	sf_count_t per_read, got, i, tail_n;
	double tail = 0;
	int c;

	if ((sf = sf_open_virtual(&mem_io, SFM_READ, &info, &mf)) == NULL ||
	    info.channels <= 0 || info.samplerate <= 0) {
		if (sf)
			sf_close(sf);
		m->state = MEASURE_UNDECODABLE;
		return;
	}
	a.channels = info.channels;
	a.level = full_scale(info.format);
	a.win = (sf_count_t)lround(info.samplerate * EDGE_SECONDS);
	if (a.win < 1)
		a.win = 1;
	a.loud = -1;
	a.ring = xmalloc((size_t)a.win * sizeof *a.ring);
	a.run = xcalloc((size_t)a.channels, sizeof *a.run);
	per_read = (sf_count_t)(sizeof chunk / sizeof chunk[0]) / a.channels;
	if (per_read == 0) {
		/* More channels than a chunk holds: not a clip worth judging. */
		m->state = MEASURE_UNDECODABLE;
		goto out;
	}
	while ((got = sf_readf_float(sf, chunk, per_read)) > 0)
		pass_frames(&a, chunk, got);
	for (c = 0; c < a.channels; c++)
		if (a.run[c] >= CLIP_RUN)
			a.clipped += a.run[c];
	if (a.frames == 0) {
		m->state = MEASURE_NO_FRAMES;
		m->duration = 0;
		goto out;
	}
	if (a.block_n > 0 && (a.loud < 0 || a.block_n * 2 >= a.win))
		pass_end_block(&a);
	tail_n = a.frames < a.win ? a.frames : a.win;
	for (i = 0; i < tail_n; i++)
		tail += a.ring[i];
	m->duration = (float)((double)a.frames / info.samplerate);
	m->peak_db = (float)(20.0 * log10(a.peak));
	m->rms_db = db_power(a.sum_sq / ((double)a.frames * a.channels));
	m->head_db = db_power(a.head);
	m->tail_db = db_power(tail / (double)tail_n);
	m->loud_db = db_power(a.loud);
	m->still_db = db_power(a.still);
	m->clipped = (float)(100.0 * (double)a.clipped / ((double)a.frames * a.channels));
	m->state = MEASURE_OK;
out:
	free(a.ring);
	free(a.run);
	sf_close(sf);
}

/* ---- images ---- */

static void
measure_image(const void *bytes, size_t len, struct measure *m)
{
	(void)bytes;
	(void)len;
	m->state = MEASURE_OK;
}

/* ---- one sample ---- */

static void
measure_clear(struct measure *m)
{
	memset(m, 0, sizeof *m);
	m->duration = m->peak_db = m->rms_db = NAN;
	m->loud_db = m->still_db = m->head_db = m->tail_db = NAN;
	m->clipped = m->spread = NAN;
}

void
measure_bytes(const void *bytes, size_t len, enum format ext_format, struct measure *m)
{
	XXH128_hash_t h = XXH3_128bits(bytes, len);
	enum format fmt = format_from_magic(bytes, len < SNIFF_BYTES ? len : SNIFF_BYTES);
	enum kind ext_kind = format_kind(ext_format), kind = format_kind(fmt);
	int ext_media = ext_kind == KIND_AUDIO || ext_kind == KIND_IMAGE;

	measure_clear(m);
	m->hash_lo = h.low64;
	m->hash_hi = h.high64;
	m->size = len;
	m->format = (uint8_t)fmt;
	if (kind == KIND_AUDIO)
		measure_audio(bytes, len, m);
	else if (kind == KIND_IMAGE)
		measure_image(bytes, len, m);
	else if (fmt == FMT_EMPTY && ext_media)
		m->state = MEASURE_EMPTY;
	else if (ext_media)
		m->state = MEASURE_UNKNOWN_BYTES;
	else
		m->state = MEASURE_OK;
}

/* Read the whole file into *scratch (grown as needed). Returns 0, or an
 * errno value. */
static int
read_all(int fd, struct buf *scratch, size_t hint)
{
	ssize_t n;
	scratch->len = 0;
	for (;;) {
		if (scratch->cap - scratch->len < 4096 || scratch->cap < hint + 1)
			scratch->data = xgrow(scratch->data, &scratch->cap,
			    (hint + 1 > scratch->len + 65536 ? hint + 1 : scratch->len + 65536), 1);
		n = read(fd, scratch->data + scratch->len, scratch->cap - scratch->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			return 0;
		scratch->len += (size_t)n;
	}
}

void
measure_sample(const struct dataset *ds, size_t i, struct measure *m,
    struct buf *scratch)
{
	struct stat st;
	int fd, err;
	int64_t mtime;

	fd = openat(ds->rootfd, sample_path(ds, i), O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		err = errno;
		if (fd >= 0)
			close(fd);
		measure_clear(m);
		m->state = MEASURE_CANNOT_OPEN;
		m->err = (int16_t)err;
		return;
	}
	mtime = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	err = read_all(fd, scratch, (size_t)st.st_size);
	close(fd);
	if (err != 0) {
		measure_clear(m);
		m->state = MEASURE_CANNOT_OPEN;
		m->err = (int16_t)err;
	} else {
		measure_bytes(scratch->data, scratch->len, ds->samples[i].ext_format, m);
	}
	m->mtime_ns = mtime;
	if (m->state == MEASURE_CANNOT_OPEN)
		m->size = (uint64_t)st.st_size;
}
