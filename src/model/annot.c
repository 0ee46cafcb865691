/* annot.c — names of checks, and the per-sample arrays' memory. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "annot.h"
#include "util.h"

static const char *const check_names[CHECK_COUNT] = {
	[CHECK_UNREADABLE] = "unreadable",
	[CHECK_EXT_MISMATCH] = "ext-mismatch",
	[CHECK_SILENT] = "silent",
	[CHECK_QUIET] = "quiet",
	[CHECK_TRUNCATED] = "truncated",
	[CHECK_CLIPPED] = "clipped",
	[CHECK_BLANK] = "blank",
	[CHECK_TINY] = "tiny",
	[CHECK_DUPLICATE] = "duplicate",
	[CHECK_LABEL_CONFLICT] = "label-conflict",
	[CHECK_SPLIT_LEAK] = "split-leak",
	[CHECK_SUSPECT_LABEL] = "suspect-label",
	[CHECK_IMBALANCE] = "imbalance",
	[CHECK_CLUSTER_OUTLIER] = "cluster-outlier",
	[CHECK_CLUSTER_SPLIT] = "cluster-split",
	[CHECK_FORMAT_MISMATCH] = "format-mismatch",
	[CHECK_DC_OFFSET] = "dc-offset",
	[CHECK_NOISY] = "noisy",
	[CHECK_DARK] = "dark",
	[CHECK_BRIGHT] = "bright",
	[CHECK_BLURRY] = "blurry",
	[CHECK_GRAYSCALE] = "grayscale",
	[CHECK_ODD_ASPECT] = "odd-aspect",
	[CHECK_LOW_INFORMATION] = "low-information",
	[CHECK_NEAR_DUPLICATE] = "near-duplicate",
};

const char *
check_name(enum check_id id)
{
	return (unsigned)id < CHECK_COUNT ? check_names[id] : NULL;
}

int
check_find(const char *name)
{
	int i;
	for (i = 0; i < CHECK_COUNT; i++)
		if (strcmp(check_names[i], name) == 0)
			return i;
	return -1;
}

float *
annot_floats(size_t n)
{
	float *f = xmalloc((n ? n : 1) * sizeof *f);
	size_t i;
	for (i = 0; i < n; i++)
		f[i] = NAN;
	return f;
}

void
annotations_free(struct annotations *a)
{
	free(a->findings);
	free(a->peak_db);
	free(a->rms_db);
	free(a->duration);
	free(a->pred);
	free(a->pred_p);
	free(a->margin);
	free(a->suspect);
	free(a->outlier);
	free(a->decision);
	free(a->relabel_to);
	memset(a, 0, sizeof *a);
}
