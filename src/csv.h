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

struct csv {
	char *data;         /* whole file, owned */
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

#endif
