/* journal-fuzzer.c — both journal readers (winnow's own, for its simple
 * documents, and libyaml) on the same bytes: neither may crash, and they
 * must agree on what the journal holds. */
#include "config.h"

#include "fuzz.h"
#include "journal.h"

static int
same_entries(const struct journal *a, const struct journal *b)
{
	size_t i;

	if (a->n != b->n || a->good_size != b->good_size ||
	    (a->torn == NULL) != (b->torn == NULL) || strcmp(a->dataset, b->dataset) != 0)
		return 0;
	for (i = 0; i < a->n; i++) {
		const struct journal_entry *x = &a->entries[i], *y = &b->entries[i];
		if (x->id != y->id || x->op != y->op || x->line != y->line ||
		    x->batch != y->batch || strcmp(x->sha256, y->sha256) != 0 ||
		    strcmp(journal_str(a, x->path), journal_str(b, y->path)) != 0 ||
		    strcmp(journal_str(a, x->label), journal_str(b, y->label)) != 0 ||
		    strcmp(journal_str(a, x->to), journal_str(b, y->to)) != 0 ||
		    strcmp(journal_str(a, x->note), journal_str(b, y->note)) != 0)
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy of exactly size bytes: a read past the end is caught. */
	char *copy = xmalloc(size ? size : 1), *ca = NULL, *cb = NULL;
	struct journal *a, *b;

	memcpy(copy, data, size);
	ydoc_libyaml_only = 0;
	a = journal_read_buffer("fuzz.yaml", copy, size, &ca);
	ydoc_libyaml_only = 1;
	b = journal_read_buffer("fuzz.yaml", copy, size, &cb);
	ydoc_libyaml_only = 0;
	if ((a == NULL) != (b == NULL) || (a == NULL && strcmp(ca, cb) != 0) ||
	    (a != NULL && !same_entries(a, b))) {
		fprintf(stderr, "the readers disagree: own: %s, libyaml: %s\n",
		    a ? (a->torn ? a->torn : "read") : ca, b ? (b->torn ? b->torn : "read") : cb);
		abort();
	}
	journal_free(a);
	journal_free(b);
	free(ca);
	free(cb);
	free(copy);
	return 0;
}
