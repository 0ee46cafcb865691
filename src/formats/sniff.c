/* sniff.c — formats by extension and by magic bytes. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sample.h"
#include "sniff.h"
#include "util.h"

static const struct {
	char ext[8];            /* lower case, NUL-padded */
	enum format format;
} extensions[] = {
	{ "wav", FMT_WAV }, { "wave", FMT_WAV }, { "flac", FMT_FLAC },
	{ "ogg", FMT_OGG }, { "oga", FMT_OGG }, { "opus", FMT_OGG },
	{ "mp3", FMT_MP3 }, { "aif", FMT_AIFF }, { "aiff", FMT_AIFF },
	{ "au", FMT_AU }, { "snd", FMT_AU },
	{ "jpg", FMT_JPEG }, { "jpeg", FMT_JPEG }, { "jpe", FMT_JPEG },
	{ "png", FMT_PNG }, { "webp", FMT_WEBP }, { "gif", FMT_GIF },
	{ "bmp", FMT_BMP }, { "pnm", FMT_PNM }, { "pbm", FMT_PNM },
	{ "pgm", FMT_PNM }, { "ppm", FMT_PNM },
	{ "txt", FMT_TEXT }, { "text", FMT_TEXT }, { "md", FMT_TEXT },
	{ "csv", FMT_TEXT }, { "tsv", FMT_TEXT }, { "json", FMT_TEXT },
	{ "jsonl", FMT_TEXT }, { "lab", FMT_TEXT },
};

static const char *const format_names[FMT_COUNT] = {
	[FMT_NONE] = "?", [FMT_WAV] = "wav", [FMT_FLAC] = "flac",
	[FMT_OGG] = "ogg", [FMT_MP3] = "mp3", [FMT_AIFF] = "aiff",
	[FMT_AU] = "au", [FMT_JPEG] = "jpeg", [FMT_PNG] = "png",
	[FMT_WEBP] = "webp", [FMT_GIF] = "gif", [FMT_BMP] = "bmp",
	[FMT_PNM] = "pnm", [FMT_TEXT] = "text", [FMT_EMPTY] = "empty",
	[FMT_DATA] = "data",
};

enum format
format_from_name(const char *name)
{
	return format_from_name_len(name, strlen(name));
}

/* Indexing calls this once a file: one pass back from the end, and the
 * extension compared as a lower-cased 8-byte word. */
enum format
format_from_name_len(const char *name, size_t len)
{
	const char *p = name + len;
	char ext[8] = { 0 };
	size_t i, n;

	while (p > name && p[-1] != '.' && p[-1] != '/')
		p--;
	n = (size_t)(name + len - p);
	if (p == name || p[-1] != '.' || n == 0 || n >= sizeof ext)
		return FMT_NONE;
	for (i = 0; i < n; i++)
		ext[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
	for (i = 0; i < ARRAY_SIZE(extensions); i++)
		if (memcmp(ext, extensions[i].ext, sizeof ext) == 0)
			return extensions[i].format;
	return FMT_NONE;
}

static int
looks_like_text(const unsigned char *p, size_t n)
{
	size_t i, bad = 0;
	for (i = 0; i < n; i++)
		if (p[i] == 0 || (p[i] < 0x20 && p[i] != '\n' && p[i] != '\r' &&
		    p[i] != '\t' && p[i] != '\f'))
			bad++;
	if (bad)
		return 0;
	/* A multi-byte sequence cut at the end of the sample is fine. */
	for (i = 0; i < 4 && i < n; i++)
		if (utf8_valid((const char *)p, n - i))
			return 1;
	return 0;
}

enum format
format_from_magic(const unsigned char *p, size_t n)
{
	if (n == 0)
		return FMT_EMPTY;
	if (n >= 12 && (memcmp(p, "RIFF", 4) == 0 || memcmp(p, "RIFX", 4) == 0 ||
	    memcmp(p, "RF64", 4) == 0) && memcmp(p + 8, "WAVE", 4) == 0)
		return FMT_WAV;
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
		return FMT_WEBP;
	if (n >= 4 && memcmp(p, "fLaC", 4) == 0)
		return FMT_FLAC;
	if (n >= 4 && memcmp(p, "OggS", 4) == 0)
		return FMT_OGG;
	if (n >= 12 && memcmp(p, "FORM", 4) == 0 &&
	    (memcmp(p + 8, "AIFF", 4) == 0 || memcmp(p + 8, "AIFC", 4) == 0))
		return FMT_AIFF;
	if (n >= 4 && memcmp(p, ".snd", 4) == 0)
		return FMT_AU;
	if (n >= 3 && (memcmp(p, "ID3", 3) == 0 ||
	    (p[0] == 0xff && (p[1] & 0xe0) == 0xe0 && (p[1] & 0x06) != 0)))
		return FMT_MP3;
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return FMT_JPEG;
	if (n >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
		return FMT_PNG;
	if (n >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
		return FMT_GIF;
	if (n >= 2 && p[0] == 'B' && p[1] == 'M')
		return FMT_BMP;
	if (n >= 3 && p[0] == 'P' && p[1] >= '1' && p[1] <= '6' &&
	    (p[2] == '\n' || p[2] == ' ' || p[2] == '\r' || p[2] == '\t'))
		return FMT_PNM;
	if (looks_like_text(p, n))
		return FMT_TEXT;
	return FMT_DATA;
}

enum format
format_sniff_at(int dirfd, const char *path)
{
	unsigned char head[SNIFF_BYTES];
	struct stat st;
	ssize_t n;
	int fd = sample_open(dirfd, path, &st, NULL);
	if (fd < 0)
		return FMT_NONE;
	do
		n = read(fd, head, sizeof head);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0)
		return FMT_NONE;
	return format_from_magic(head, (size_t)n);
}

enum kind
format_kind(enum format f)
{
	switch (f) {
	case FMT_WAV: case FMT_FLAC: case FMT_OGG: case FMT_MP3:
	case FMT_AIFF: case FMT_AU:
		return KIND_AUDIO;
	case FMT_JPEG: case FMT_PNG: case FMT_WEBP: case FMT_GIF:
	case FMT_BMP: case FMT_PNM:
		return KIND_IMAGE;
	case FMT_TEXT:
		return KIND_TEXT;
	default:
		return KIND_OTHER;
	}
}

const char *
format_name(enum format f)
{
	return (unsigned)f < FMT_COUNT && format_names[f] ? format_names[f] : "?";
}

const char *
kind_name(enum kind k)
{
	static const char *const names[KIND_COUNT] = { "other", "audio", "image", "text" };
	return (unsigned)k < KIND_COUNT ? names[k] : "other";
}
