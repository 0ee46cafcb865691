/* csv.h — a fast reader for CSV and TSV files with a header row.
 *
 * The delimiter is sniffed from the header line (a tab wins over commas).
 * Fields may be double-quoted with "" as an escaped quote (RFC 4180); quoted
 * fields may not span lines. Blank lines are skipped. The reader works on a
 * buffer it owns, splitting it in place, so fields stay valid until the next
 * csv_next() call only. */
#ifndef WINNOW_CSV_H
#define WINNOW_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct csv {
	char *data;         /* the whole file (csv_open), or the caller's rows (csv_view) */
	size_t len, pos;
	char delim;
	size_t line;        /* 1-based line number of the current row */
	char **field;       /* fields of the current row (point into data) */
	size_t nfield, capfield;
	char **header;      /* header names, owned copies */
	size_t nheader;
	int borrowed;       /* data belongs to the caller (csv_view) */
};

/* Open a file and read its header. Returns 0, or -1 with *cause set. */
int csv_open(struct csv *c, const char *path, char **cause);
/* Same, over a copy of a buffer (for tests and fuzzing). */
int csv_open_buffer(struct csv *c, const char *data, size_t len, char **cause);
/* Read the next row. Returns 1 with c->field/c->nfield set, 0 at the end,
 * -1 on a malformed row (an unterminated quote) with *cause set; reading may
 * go on after -1. */
int csv_next(struct csv *c, char **cause);
/* Column index of a header name (exact, then ASCII case-insensitive), or -1. */
int csv_column(const struct csv *c, const char *name);
/* Point c at rows in a buffer the caller owns (len bytes, data[len]
 * writable: a last row without a newline gets a NUL there), numbering lines
 * after line, splitting with delim. c keeps its field array across calls;
 * start from a zeroed struct and csv_close it at the end. */
void csv_view(struct csv *c, char *data, size_t len, char delim, size_t line);
void csv_close(struct csv *c);

/* The end of an unquoted field: the first delimiter or newline at or after
 * p, or end. Eight bytes at a time where they lie before end (fields of a
 * predictions file are short, but there are tens of millions of them);
 * never reads at or past end, where a chunk's bytes may be the next one's. */
static inline char *
csv_field_end(char *p, char *end, char delim)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	const uint64_t dl = ones * (unsigned char)delim, nl = ones * '\n';
	uint64_t w, a, b, hit;

	while (end - p >= 8) {
		memcpy(&w, p, 8);
		a = w ^ dl;
		b = w ^ nl;
		/* a byte of a (or b) is zero where w holds delim (or '\n') */
		hit = ((a - ones) & ~a & highs) | ((b - ones) & ~b & highs);
		if (hit)
			return p + (__builtin_ctzll(hit) >> 3);
		p += 8;
	}
#endif
	while (p < end && *p != delim && *p != '\n')
		p++;
	return p;
}


#endif
