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

#include <xxhash.h>

#include "audio.h"
#include "checks.h"
#include "fingerprint.h"
#include "image.h"
#include "util.h"

/* ---- audio ---- */

static void
measure_audio(const void *bytes, size_t len, struct measure *m)
{
	struct audio_stats st;
	struct fp_audio *fp = fp_audio_new();
	enum audio_fault fault = audio_measure_mem_tap(bytes, len, &st, fp_audio_feed, fp);

	/* Only a whole clip has a fingerprint: a part would be a near copy
	 * of the whole. */
	if (fault == AUDIO_FAULT_NONE)
		fp_audio_finish(fp, &m->fp);
	else
		fp_audio_discard(fp);
	if (fault == AUDIO_FAULT_UNDECODABLE) {
		m->state = MEASURE_UNDECODABLE;
		return;
	}
	m->duration = (float)st.duration;
	if (fault != AUDIO_FAULT_NONE) {
		m->state = fault == AUDIO_FAULT_NO_FRAMES ? MEASURE_NO_FRAMES : MEASURE_CUT_SHORT;
		m->declared = (float)((double)st.declared / st.rate);
		return;
	}
	m->peak_db = st.peak_db;
	m->rms_db = st.rms_db;
	m->head_db = st.head_db;
	m->tail_db = st.tail_db;
	m->loud_db = st.loud_db;
	m->still_db = st.still_db;
	m->clipped = (float)(100.0 * (double)st.clipped / ((double)st.frames * st.channels));
	m->state = MEASURE_OK;
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
	m->fp = probe.fingerprint;
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
