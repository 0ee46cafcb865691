/* shared.c — what several subcommands do alike: JSON values, the problems
 * of a predictions file, a journal read for the dataset it is about. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "cmd.h"
#include "dataset.h"
#include "journal.h"
#include "predictions.h"
#include "util.h"

void
json_add_string(struct buf *b, const char *s)
{
	struct buf esc = { 0 };
	const unsigned char *p;

	escape_name(&esc, s);
	buf_addc(b, '"');
	for (p = (const unsigned char *)buf_str(&esc); *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_addf(b, "\\%c", *p);
		else if (*p < 0x20)
			buf_addf(b, "\\u%04x", *p);
		else
			buf_addc(b, (char)*p);
	}
	buf_addc(b, '"');
	buf_free(&esc);
}

void
json_add_number(struct buf *b, double v)
{
	if (isnan(v))
		buf_adds(b, "null");
	else
		buf_addf(b, "%.6g", v);
}

void
pred_problems_report(const struct predictions *p)
{
	struct buf b = { 0 };
	size_t i, k, problems = 0;

	for (i = 0; i < p->nproblems; i++)
		fprintf(stderr, "%s: %s: %s\n", progname, p->file, p->problems[i].message);
	for (k = 0; k < PRED_PROBLEM_KINDS; k++) {
		if (p->count[k] == 0)
			continue;
		buf_addf(&b, "%s%zu %s", problems ? ", " : "", p->count[k],
		    pred_problem_name((enum pred_problem_kind)k));
		problems += p->count[k];
	}
	if (problems > 0)
		fprintf(stderr, "%s: %s: %zu rows: %s (the first %d of each are listed)\n",
		    progname, p->file, p->rows, buf_str(&b), PRED_PROBLEMS_LISTED);
	buf_free(&b);
}

struct journal *
journal_read_for(const char *file, const struct dataset *ds)
{
	struct journal *j;
	char *cause = NULL;

	if ((j = journal_read_reported(file)) == NULL)
		return NULL;
	if (journal_check_dataset(j, ds, &cause) != 0) {
		fprintf(stderr, "%s: %s\n", progname, cause);
		free(cause);
		journal_free(j);
		return NULL;
	}
	return j;
}
