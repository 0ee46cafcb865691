/* journal.c — time reading a journal, for `make bench`: winnow's own reader
 * of the documents it writes against libyaml's alone (ydoc_libyaml_only),
 * which reads any YAML. The own reader is worth its code only while it is
 * measurably faster.
 *
 *   bench/journal [--libyaml] FILE   prints "entries N torn T digest HEX
 *   seconds S cpu C": the entries read, whether a torn last document was
 *   skipped, a sha256 over every entry's fields (both readers must give
 *   the same), and the wall and CPU time journal_read took, the file's
 *   read included (a loaded machine stretches the first more). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hash.h"
#include "journal.h"
#include "util.h"

static double
cpu_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct journal *j;
	struct buf b = { 0 };
	char *cause = NULL, digest[65];
	double t, cpu;
	size_t i;
	int libyaml = argc == 3 && strcmp(argv[1], "--libyaml") == 0;

	if (argc != 2 + libyaml) {
		fprintf(stderr, "usage: bench/journal [--libyaml] FILE\n");
		return 2;
	}
	ydoc_libyaml_only = libyaml;
	t = now_seconds();
	cpu = cpu_seconds();
	if ((j = journal_read(argv[1 + libyaml], &cause)) == NULL) {
		fprintf(stderr, "bench/journal: %s\n", cause);
		return 2;
	}
	t = now_seconds() - t;
	cpu = cpu_seconds() - cpu;
	for (i = 0; i < j->n; i++) {
		const struct journal_entry *e = &j->entries[i];
		buf_addf(&b, "%u %s %u %u %u %s %s", e->id, journal_op_name(e->op), e->target,
		    e->batch, e->line, e->sha256, e->at);
		buf_addc(&b, '\0');
		buf_adds(&b, journal_str(j, e->path));
		buf_addc(&b, '\0');
		buf_adds(&b, journal_str(j, e->label));
		buf_addc(&b, '\0');
		buf_adds(&b, journal_str(j, e->to));
		buf_addc(&b, '\0');
		buf_adds(&b, journal_str(j, e->by));
		buf_addc(&b, '\0');
		buf_adds(&b, journal_str(j, e->reason));
		buf_addc(&b, '\0');
		buf_adds(&b, journal_str(j, e->note));
		buf_addc(&b, '\n');
	}
	sha256_data(b.data ? b.data : "", b.len, digest);
	printf("entries %zu torn %d digest %s seconds %.6f cpu %.6f\n", j->n, j->torn != NULL,
	    digest, t, cpu);
	buf_free(&b);
	journal_free(j);
	return 0;
}
