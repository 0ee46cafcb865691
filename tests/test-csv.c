/* test-csv.c — the CSV/TSV reader on the shapes manifests and predictions
 * files take in the wild: quotes, CRLF, a byte order mark, blank lines,
 * short rows, broken quotes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "tap.h"
#include "testfs.h"
#include "util.h"

static struct csv c;

static int
open_str(const char *text)
{
	char *cause = NULL;
	int r = csv_open_buffer(&c, text, strlen(text), &cause);
	if (r != 0) {
		fprintf(stderr, "# csv_open_buffer: %s\n", cause);
		free(cause);
	}
	return r;
}

/* Read the next row and compare it with the fields given, "|"-joined. */
static void
row_is(const char *want, const char *what)
{
	struct buf b = { 0 };
	char *cause = NULL;
	size_t i;
	int r = csv_next(&c, &cause);
	if (r != 1) {
		ok(0, "%s (csv_next returned %d%s%s)", what, r, cause ? ": " : "",
		    cause ? cause : "");
		free(cause);
		return;
	}
	for (i = 0; i < c.nfield; i++) {
		if (i)
			buf_addc(&b, '|');
		buf_adds(&b, c.field[i]);
	}
	is_str(buf_str(&b), want, what);
	buf_free(&b);
}

static void
end_is(const char *what)
{
	char *cause = NULL;
	is_int(csv_next(&c, &cause), 0, what);
	free(cause);
}

static void
test_plain(void)
{
	ok(open_str("path,label\nyes/a.wav,yes\nno/b.wav,no\n") == 0, "a plain CSV opens");
	is_int(c.delim, ',', "the delimiter is a comma");
	is_int((long long)c.nheader, 2, "two header columns");
	is_str(c.header[0], "path", "first header name");
	row_is("yes/a.wav|yes", "first row");
	is_int((long long)c.line, 2, "on line 2");
	row_is("no/b.wav|no", "second row");
	end_is("then the end");
	end_is("and the end again");
	csv_close(&c);
}

static void
test_tsv(void)
{
	ok(open_str("path\tlabel\tnote\nyes/a,b.wav\tyes\tsays \"yes\", twice\n") == 0,
	    "a TSV opens");
	is_int(c.delim, '\t', "a tab in the header wins over commas");
	row_is("yes/a,b.wav|yes|says \"yes\", twice", "commas and quotes inside TSV fields are data");
	end_is("one row");
	csv_close(&c);

	ok(open_str("path,label\tx\n") == 0, "a header with both");
	is_int(c.delim, '\t', "is read as TSV");
	is_int((long long)c.nheader, 2, "with two columns");
	csv_close(&c);

	ok(open_str("path\nyes/a.wav\n") == 0, "a one-column file opens");
	row_is("yes/a.wav", "its row");
	csv_close(&c);
}

static void
test_quotes(void)
{
	ok(open_str("\"path\",\"label\"\n"
	    "\"yes/a, b.wav\",yes\n"
	    "\"say \"\"no\"\"\",\"\"\n"
	    "\"a\"b,c\n"
	    "x\"y,z\n") == 0, "quoted header opens");
	is_str(c.header[1], "label", "quotes are taken off header names");
	row_is("yes/a, b.wav|yes", "a delimiter inside quotes is data");
	row_is("say \"no\"|", "a doubled quote is one quote; \"\" is empty");
	row_is("ab|c", "text after a closing quote is kept");
	row_is("x\"y|z", "a quote inside an unquoted field is data");
	end_is("four rows");
	csv_close(&c);
}

static void
test_crlf_and_bom(void)
{
	ok(open_str("\xef\xbb\xbfpath,label\r\nyes/a.wav,yes\r\n\"no/b.wav\",\"no\"\r\n") == 0,
	    "BOM and CRLF open");
	is_str(c.header[0], "path", "the byte order mark is not part of the first name");
	is_str(c.header[1], "label", "the CR is not part of the last name");
	is_int(csv_column(&c, "path"), 0, "the path column is found");
	row_is("yes/a.wav|yes", "CR is stripped from an unquoted last field");
	row_is("no/b.wav|no", "and after a quoted last field");
	end_is("two rows");
	csv_close(&c);

	ok(open_str("path,label\r\nyes/a.wav,yes") == 0, "no newline at the end");
	row_is("yes/a.wav|yes", "the last row still counts");
	end_is("one row");
	csv_close(&c);

	ok(open_str("path,label\nx\ry,z\r\n") == 0, "a lone CR inside a field");
	row_is("x\ry|z", "is kept as data");
	csv_close(&c);
}

static void
test_blank_and_short(void)
{
	ok(open_str("path,label,split\n\nyes/a.wav,yes\n\r\n\nno/b.wav\nc,d,e,f\nup/c.wav,up,\n") == 0,
	    "blank lines and ragged rows open");
	row_is("yes/a.wav|yes", "blank lines are skipped");
	is_int((long long)c.line, 3, "line numbers count blank lines");
	row_is("no/b.wav", "a short row has fewer fields");
	is_int((long long)c.line, 6, "line 6");
	row_is("c|d|e|f", "a long row has more");
	row_is("up/c.wav|up|", "a trailing delimiter ends with an empty field");
	end_is("four rows");
	csv_close(&c);

	ok(open_str("path,label\nyes/a.wav,") == 0, "a trailing delimiter at the very end");
	row_is("yes/a.wav|", "gives an empty last field");
	csv_close(&c);
}

static void
test_broken(void)
{
	char *cause = NULL;

	ok(open_str("path,label\n\"yes/a.wav,yes\nno/b.wav,no\n\"up/c.wav\n") == 0,
	    "a file with broken quotes opens");
	is_int(csv_next(&c, &cause), -1, "an unterminated quote is an error");
	ok(cause && strstr(cause, "line 2") && strstr(cause, "unterminated"),
	    "naming the line: %s", cause ? cause : "(none)");
	free(cause);
	cause = NULL;
	row_is("no/b.wav|no", "reading goes on at the next line");
	is_int(csv_next(&c, &cause), -1, "a quote open at the end of the file");
	ok(cause && strstr(cause, "line 4"), "is an error on line 4");
	free(cause);
	end_is("then the end");
	csv_close(&c);

	ok(open_str("path,label\n\"two\nlines\",x\nok,y\n") == 0, "a quoted newline");
	is_int(csv_next(&c, &cause), -1, "fields may not span lines");
	free(cause);
	cause = NULL;
	row_is("lines\"|x", "the rest of the line is read as a row of its own");
	row_is("ok|y", "and the row after it is intact");
	csv_close(&c);

	is_int(csv_open_buffer(&c, "", 0, &cause), -1, "an empty file is refused");
	ok(cause && strstr(cause, "header"), "asking for a header: %s", cause ? cause : "(none)");
	free(cause);
	cause = NULL;
	is_int(csv_open_buffer(&c, "\xef\xbb\xbf", 3, &cause), -1, "a file of just a BOM too");
	free(cause);
	cause = NULL;
	is_int(csv_open_buffer(&c, "\n\n\r\n", 4, &cause), -1, "and one of blank lines");
	free(cause);
	cause = NULL;
	is_int(csv_open_buffer(&c, "\"path,label\n", 12, &cause), -1,
	    "a header with a broken quote is refused");
	free(cause);
}

static void
test_columns(void)
{
	ok(open_str("Path,LABEL,path\n") == 0, "header with mixed case");
	is_int(csv_column(&c, "path"), 2, "an exact name wins");
	is_int(csv_column(&c, "label"), 1, "else case is ignored");
	is_int(csv_column(&c, "split"), -1, "a missing column is -1");
	end_is("a header alone has no rows");
	csv_close(&c);
}

static void
test_many(void)
{
	struct buf b = { 0 };
	size_t i, rows = 0, bad = 0;
	char *cause = NULL;
	int r;

	buf_adds(&b, "path");
	for (i = 0; i < 300; i++)
		buf_addf(&b, ",p_%zu", i);
	buf_addc(&b, '\n');
	for (i = 0; i < 2000; i++) {
		size_t k;
		buf_addf(&b, "l%zu/%zu.wav", i % 7, i);
		for (k = 0; k < 300; k++)
			buf_addf(&b, ",%zu", (i + k) % 10);
		buf_addc(&b, '\n');
	}
	ok(csv_open_buffer(&c, b.data, b.len, &cause) == 0, "a wide file opens");
	is_int((long long)c.nheader, 301, "301 columns");
	while ((r = csv_next(&c, &cause)) != 0) {
		if (r < 0 || c.nfield != 301 || strcmp(c.field[300], "") == 0)
			bad++;
		rows++;
	}
	is_int((long long)rows, 2000, "2000 rows");
	is_int((long long)bad, 0, "each with 301 fields");
	csv_close(&c);
	buf_free(&b);
}

static void
test_file(void)
{
	char *path = at("m.csv"), *cause = NULL;

	is_int(csv_open(&c, path, &cause), -1, "a missing file fails");
	ok(cause && strstr(cause, path), "naming the file: %s", cause ? cause : "(none)");
	free(cause);
	cause = NULL;
	put("m.csv", "path,label\nyes/a.wav,yes\n");
	ok(csv_open(&c, path, &cause) == 0, "a file opens");
	row_is("yes/a.wav|yes", "and reads");
	csv_close(&c);
	is_int(csv_open(&c, tmpdir, &cause), -1, "a folder is refused");
	free(cause);
	free(path);
}

/* Rows over the caller's buffer end at len, not at a NUL: the reader splits
 * a file chunk by chunk, and the byte at data[len] is the next chunk's (here
 * a quote, the byte that sent a last row ending in a delimiter into a
 * quoted field with a length that wrapped round), or nothing read. Each
 * view lies in a buffer of exactly len + 1 bytes, so that a read past its
 * end is caught under ASan too. */
static void
test_view_end(void)
{
	static const struct { const char *text, *want; } rows[] = {
		{ "a,", "a|" },
		{ "yes/a.wav,yes,", "yes/a.wav|yes|" },
		{ "cccccccccccccccc\"cccccccccccc,", "cccccccccccccccc\"cccccccccccc|" },
		{ "a,,", "a||" },
		{ ",", "|" },
		{ "a\r", "a" },
		{ "a,b\r", "a|b" },
		{ "a,\"b\"", "a|b" },
		{ "a,\"b\"\r", "a|b" },
		{ "a,\"b\"x", "a|bx" },
		{ "0123456789abcdef,", "0123456789abcdef|" },
		{ "0123456789abcdef0123", "0123456789abcdef0123" },
	};
	static const char *const broken[] = { "a,\"", "a,\"bc", "\"", "\"a\"\"",
		"a,\"b\"\"c" };
	struct csv v = { 0 };
	struct buf b = { 0 };
	char *data, *cause = NULL;
	size_t i, k, len;
	int r;

	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		len = strlen(rows[i].text);
		data = xmalloc(len + 1);
		memcpy(data, rows[i].text, len);
		data[len] = '"';
		csv_view(&v, data, len, ',', 0);
		r = csv_next(&v, &cause);
		b.len = 0;
		for (k = 0; r == 1 && k < v.nfield; k++) {
			if (k)
				buf_addc(&b, '|');
			buf_adds(&b, v.field[k]);
		}
		is_str(r == 1 ? buf_str(&b) : "(no row)", rows[i].want, rows[i].text);
		is_int(csv_next(&v, &cause), 0, "and nothing after it");
		free(data);
	}
	for (i = 0; i < ARRAY_SIZE(broken); i++) {
		len = strlen(broken[i]);
		data = xmalloc(len + 1);
		memcpy(data, broken[i], len);
		data[len] = '"';
		csv_view(&v, data, len, ',', 0);
		ok(csv_next(&v, &cause) == -1 && cause && strstr(cause, "unterminated"),
		    "%s: a quote running to the end is unterminated", broken[i]);
		free(cause);
		cause = NULL;
		is_int(csv_next(&v, &cause), 0, "and nothing after it");
		free(data);
	}
	/* A CRLF file cut between CR and LF: the lone CR is a blank line. */
	data = xmalloc(6);
	memcpy(data, "a,b\n\r", 5);
	data[5] = '"';
	csv_view(&v, data, 5, ',', 0);
	is_int(csv_next(&v, &cause), 1, "a row");
	is_int(csv_next(&v, &cause), 0, "then a lone CR at the end is no row");
	free(data);
	csv_close(&v);
	buf_free(&b);
}

int
main(void)
{
	testfs_init("csv");
	test_plain();
	test_tsv();
	test_quotes();
	test_crlf_and_bom();
	test_blank_and_short();
	test_broken();
	test_columns();
	test_many();
	test_file();
	test_view_end();
	return testfs_done();
}
