/* check-measure.c — one sample's bytes read once: hashed, sniffed, and
 * decoded from memory into the few numbers the checks judge. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>
#include <xxhash.h>

#include "audio.h"
#include "checks.h"
#include "image.h"
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

static uint32_t
get32(const unsigned char *p, int big)
{
	if (big)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* libsndfile quietly plays what is there when a WAV's data chunk claims
 * more than the file holds, the trace of a copy cut short. Returns the
 * frames the header declares, or 0 when it declares nothing checkable. */
static uint64_t
wav_declared_frames(const unsigned char *p, size_t len)
{
	size_t off = 12;
	unsigned block = 0;
	uint32_t n;
	int big, i;

	if (len < 12 || (memcmp(p, "RIFF", 4) != 0 && memcmp(p, "RIFX", 4) != 0))
		return 0;
	big = p[3] == 'X';
	for (i = 0; i < 64 && len - off >= 8; i++) {
		n = get32(p + off + 4, big);
		if (memcmp(p + off, "fmt ", 4) == 0 && n >= 16 && len - off - 8 >= 16)
			block = big ? (unsigned)p[off + 20] << 8 | p[off + 21] :
			    (unsigned)p[off + 21] << 8 | p[off + 20];
		if (memcmp(p + off, "data", 4) == 0)
			/* 0 and 0xffffffff: a stream whose writer never came
			 * back to fill in the size. */
			return n == 0 || n == 0xffffffff || block == 0 ? 0 : n / block;
		if (n > len - off - 8)
			return 0;
		off += 8 + (size_t)n + (n & 1);
	}
	return 0;
}

/* One pass over the decoded frames: peak, RMS, 10 ms windows (first, last,
 * loudest, quietest) and samples in full-scale runs, counted as audio.h
 * counts them (a run is one flattened peak: changing rails starts anew). */
struct audio_pass {
	unsigned channels;
	uint64_t frames;
	size_t win;             /* window length in frames */
	double sum_sq;
	float peak, level;
	double block_sq;        /* current window's sum of mean squares */
	size_t block_n;
	double head, loud, still; /* window mean squares; loud < 0: none yet */
	float *tail;            /* the last min(frames, win) frames' mean
	                           squares, oldest first */
	size_t ntail;
	unsigned *run;          /* per channel: current full-scale run */
	signed char *rail;      /* per channel: +1 / -1, the run's side */
	unsigned open;          /* channels with a run going on */
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

static inline void
pass_clip(struct audio_pass *a, unsigned c, float v)
{
	if (fabsf(v) >= a->level) {
		signed char side = v > 0 ? 1 : -1;
		if (a->run[c] > 0 && a->rail[c] != side) {
			if (a->run[c] >= AUDIO_CLIP_RUN)
				a->clipped += a->run[c];
			a->run[c] = 0;
			a->open--;
		}
		a->rail[c] = side;
		if (a->run[c]++ == 0)
			a->open++;
	} else if (a->run[c] > 0) {
		if (a->run[c] >= AUDIO_CLIP_RUN)
			a->clipped += a->run[c];
		a->run[c] = 0;
		a->open--;
	}
}

/* Mean square of frame f over the channels. */
static inline float
frame_sq(const float *x, size_t f, unsigned nc)
{
	float s = 0;
	unsigned c;
	for (c = 0; c < nc; c++)
		s += x[f * nc + c] * x[f * nc + c];
	return s / (float)nc;
}

/* Feed n frames. Within a window the loop only sums, tracks the largest
 * magnitude and looks for clipping when a sample comes near full scale:
 * this pass is most of a check's time. */
static void
pass_frames(struct audio_pass *a, float *x, size_t n, int floats)
{
	size_t f = 0, k, take, keep;
	unsigned nc = a->channels;
	if (floats)
		/* Float files can hold NaN and infinities: they would poison
		 * every sum. */
		for (k = 0; k < n * nc; k++)
			if (!isfinite(x[k]))
				x[k] = 0;
	while (f < n) {
		const float *seg = x + f * nc;
		/* Four lanes: a single running sum would wait on itself. */
		float s4[4] = { 0, 0, 0, 0 }, t4[4] = { 0, 0, 0, 0 }, sq, top;
		size_t len;
		take = a->win - a->block_n;
		if (take > n - f)
			take = n - f;
		len = take * nc;
		for (k = 0; k + 4 <= len; k += 4) {
			unsigned l;
			for (l = 0; l < 4; l++) {
				float v = seg[k + l], m = fabsf(v);
				s4[l] += v * v;
				t4[l] = m > t4[l] ? m : t4[l];
			}
		}
		for (; k < len; k++) {
			float v = seg[k], m = fabsf(v);
			s4[0] += v * v;
			t4[0] = m > t4[0] ? m : t4[0];
		}
		sq = (s4[0] + s4[1]) + (s4[2] + s4[3]);
		top = fmaxf(fmaxf(t4[0], t4[1]), fmaxf(t4[2], t4[3]));
		if (top > a->peak)
			a->peak = top;
		if (top >= a->level || a->open > 0)
			for (k = 0; k < len; k++)
				pass_clip(a, (unsigned)(k % nc), seg[k]);
		a->sum_sq += sq;
		a->block_sq += (double)sq / nc;
		a->block_n += take;
		if (a->block_n == a->win)
			pass_end_block(a);
		f += take;
	}
	/* The last window's frames, for the tail. */
	keep = n < a->win ? n : a->win;
	if (a->ntail + keep > a->win) {
		size_t drop = a->ntail + keep - a->win;
		memmove(a->tail, a->tail + drop, (a->ntail - drop) * sizeof *a->tail);
		a->ntail -= drop;
	}
	for (k = n - keep; k < n; k++)
		a->tail[a->ntail++] = frame_sq(x, k, nc);
	a->frames += n;
}

static void
measure_audio(const void *bytes, size_t len, struct measure *m)
{
	struct memfile mf = { bytes, (sf_count_t)len, 0 };
	struct audio_pass a = { 0 };
	SF_INFO info = { 0 };
	SNDFILE *sf;
	float chunk[4096];
	size_t per_read, i, tail_n;
	sf_count_t got;
	uint64_t declared;
	double tail = 0;
	unsigned c;
	int sub;

	if ((sf = sf_open_virtual(&mem_io, SFM_READ, &info, &mf)) == NULL ||
	    info.channels <= 0 || info.samplerate <= 0 ||
	    (size_t)info.channels > sizeof chunk / sizeof chunk[0]) {
		if (sf)
			sf_close(sf);
		m->state = MEASURE_UNDECODABLE;
		return;
	}
	sub = info.format & SF_FORMAT_SUBMASK;
	a.channels = (unsigned)info.channels;
	a.level = sub == SF_FORMAT_PCM_S8 || sub == SF_FORMAT_PCM_U8 ?
	    127.0f / 128.0f : AUDIO_CLIP_LEVEL;
	a.win = (size_t)lround(info.samplerate * CHECK_WINDOW_SECONDS);
	if (a.win < 1)
		a.win = 1;
	a.loud = -1;
	a.tail = xcalloc(a.win, sizeof *a.tail);
	a.run = xcalloc(a.channels, sizeof *a.run);
	a.rail = xcalloc(a.channels, sizeof *a.rail);
	per_read = sizeof chunk / sizeof chunk[0] / a.channels;
	while ((got = sf_readf_float(sf, chunk, (sf_count_t)per_read)) > 0)
		pass_frames(&a, chunk, (size_t)got,
		    sub == SF_FORMAT_FLOAT || sub == SF_FORMAT_DOUBLE);
	for (c = 0; c < a.channels; c++)
		if (a.run[c] >= AUDIO_CLIP_RUN)
			a.clipped += a.run[c];
	m->duration = (float)((double)a.frames / info.samplerate);
	declared = (info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAV ||
	    (info.format & SF_FORMAT_TYPEMASK) == SF_FORMAT_WAVEX ?
	    wav_declared_frames(bytes, len) : 0;
	if (a.frames == 0) {
		m->state = MEASURE_NO_FRAMES;
		m->declared = (float)((double)declared / info.samplerate);
		goto out;
	}
	if (declared > a.frames) {
		m->state = MEASURE_CUT_SHORT;
		m->declared = (float)((double)declared / info.samplerate);
		goto out;
	}
	if (a.block_n > 0 && (a.loud < 0 || a.block_n * 2 >= a.win))
		pass_end_block(&a);
	tail_n = a.ntail;
	for (i = 0; i < tail_n; i++)
		tail += a.tail[i];
	m->peak_db = audio_db(a.peak);
	m->rms_db = db_power(a.sum_sq / ((double)a.frames * a.channels));
	m->head_db = db_power(a.head);
	m->tail_db = db_power(tail / (double)tail_n);
	m->loud_db = db_power(a.loud);
	m->still_db = db_power(a.still);
	m->clipped = (float)(100.0 * (double)a.clipped / ((double)a.frames * a.channels));
	m->state = MEASURE_OK;
out:
	free(a.tail);
	free(a.run);
	free(a.rail);
	sf_close(sf);
}

/* ---- images ---- */

static void
measure_image(const void *bytes, size_t len, struct measure *m)
{
	struct image_probe probe;
	if (image_probe_mem(bytes, len, NULL, &probe, NULL) != 0) {
		m->state = MEASURE_UNDECODABLE;
		return;
	}
	m->width = (uint32_t)probe.width;
	m->height = (uint32_t)probe.height;
	m->spread = (float)probe.flatness;
	m->state = MEASURE_OK;
}

/* ---- one sample ---- */

/* A dataset cloned without `git lfs pull` holds these instead of media. */
#define LFS_POINTER "version https://git-lfs.github.com/spec/"

static void
measure_clear(struct measure *m)
{
	memset(m, 0, sizeof *m);
	m->duration = m->peak_db = m->rms_db = NAN;
	m->loud_db = m->still_db = m->head_db = m->tail_db = NAN;
	m->clipped = m->spread = m->declared = NAN;
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
	else if (ext_media && len >= sizeof LFS_POINTER - 1 &&
	    memcmp(bytes, LFS_POINTER, sizeof LFS_POINTER - 1) == 0)
		m->state = MEASURE_LFS_POINTER;
	else if (ext_media)
		m->state = MEASURE_UNKNOWN_BYTES;
	else
		m->state = MEASURE_OK;
}

/* Files from this size on are mapped instead of read. */
#define MAP_BYTES ((off_t)64 << 20)

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
	void *map;

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
	/* A long recording is mapped rather than copied, so that a few
	 * threads over hour-long files do not hold gigabytes. */
	if (S_ISREG(st.st_mode) && st.st_size >= MAP_BYTES &&
	    (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) != MAP_FAILED) {
		close(fd);
		measure_bytes(map, (size_t)st.st_size, ds->samples[i].ext_format, m);
		munmap(map, (size_t)st.st_size);
		m->mtime_ns = mtime;
		return;
	}
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
