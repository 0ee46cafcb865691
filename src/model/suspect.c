/* suspect.c — what predictions say of each sample, once bound to the
 * dataset's labels: its predicted label, that label's probability, and
 * whether its own label is suspect by confident learning (README.md,
 * "Suspect labels"; predictions.h). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pred-private.h"
#include "predictions.h"

/* Own label ids of the labels the dataset lacked, in name order. */
static int
cmp_label_ids(const void *a, const void *b, void *arg)
{
	const struct predictions *p = arg;
	return strcmp(p->labels[*(const uint16_t *)a], p->labels[*(const uint16_t *)b]);
}

void
predictions_bind(struct predictions *p, struct dataset *ds)
{
	size_t i, nextra = p->nlabels - p->nknown;
	uint16_t *extra = xmalloc((nextra ? nextra : 1) * sizeof *extra);

	/* Known labels keep their ids (interning finds them); the others are
	 * added in name order so the matrix's extra columns come sorted. */
	free(p->to_dataset);
	p->to_dataset = xmalloc((p->nlabels ? p->nlabels : 1) * sizeof *p->to_dataset);
	for (i = 0; i < p->nknown; i++)
		p->to_dataset[i] = (uint16_t)dataset_label_intern(ds, p->labels[i]);
	for (i = 0; i < nextra; i++)
		extra[i] = (uint16_t)(p->nknown + i);
	qsort_r(extra, nextra, sizeof *extra, cmp_label_ids, p);
	for (i = 0; i < nextra; i++)
		p->to_dataset[extra[i]] = (uint16_t)dataset_label_intern(ds, p->labels[extra[i]]);
	free(extra);
}

uint16_t
predictions_label(const struct predictions *p, size_t i)
{
	uint16_t k = i < p->nsamples ? p->pred[i] : LABEL_NONE;
	return k == LABEL_NONE || p->to_dataset == NULL ? LABEL_NONE : p->to_dataset[k];
}

/* The first minus the second of a row's probabilities (the first alone
 * when there is one class). */
static float
top_two_margin(const float *row, size_t n)
{
	float first = 0, second = 0;
	size_t k;
	for (k = 0; k < n; k++)
		if (row[k] > first) {
			second = first;
			first = row[k];
		} else if (row[k] > second) {
			second = row[k];
		}
	return first - second;
}

void
predictions_annotate(struct predictions *p, struct dataset *ds, struct annotations *a)
{
	struct suspect *sus;
	size_t i, n;

	predictions_bind(p, ds);
	if (a->n == 0)
		a->n = ds->nsamples;
	free(a->pred);
	free(a->pred_p);
	free(a->margin);
	free(a->suspect);
	a->pred = xmalloc((a->n ? a->n : 1) * sizeof *a->pred);
	a->pred_p = annot_floats(a->n);
	a->margin = annot_floats(a->n);
	a->suspect = annot_floats(a->n);
	for (i = 0; i < a->n; i++) {
		uint16_t k = i < p->nsamples ? p->pred[i] : LABEL_NONE;
		a->pred[i] = predictions_label(p, i);
		if (k != LABEL_NONE && p->prob_ok && p->prob_ok[i] && k < p->nprob)
			a->pred_p[i] = p->prob[i * p->nprob + k];
		if (i < p->nsamples && p->prob_ok && p->prob_ok[i])
			a->margin[i] = top_two_margin(p->prob + i * p->nprob, p->nprob);
	}
	sus = suspects_find(p, ds, NULL, &n);
	for (i = 0; i < n; i++)
		if (sus[i].sample < a->n)
			a->suspect[sus[i].sample] = sus[i].score;
	free(sus);
}

static int
cmp_suspects(const void *a, const void *b)
{
	const struct suspect *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	/* samples are in path order */
	return x->sample < y->sample ? -1 : x->sample > y->sample;
}

struct suspect *
suspects_find(const struct predictions *p, const struct dataset *ds,
    const uint16_t *labels, size_t *n)
{
	struct suspect *out = NULL;
	size_t i, k, nout = 0, cap = 0, nds = ds->nlabels;
	size_t nsamples = p->nsamples < ds->nsamples ? p->nsamples : ds->nsamples;
	uint16_t *own;          /* dataset label -> own label, LABEL_NONE none */
	double *sum = NULL;
	size_t *count = NULL;
	float *t = NULL;

	*n = 0;
	if (p->to_dataset == NULL)
		return NULL;
	own = xmalloc((nds ? nds : 1) * sizeof *own);
	for (k = 0; k < nds; k++)
		own[k] = LABEL_NONE;
	for (k = 0; k < p->nlabels; k++)
		if (p->to_dataset[k] < nds)
			own[p->to_dataset[k]] = (uint16_t)k;

	if (p->prob) {
		sum = xcalloc(p->nprob, sizeof *sum);
		count = xcalloc(p->nprob, sizeof *count);
		t = xmalloc(p->nprob * sizeof *t);
		for (i = 0; i < nsamples; i++) {
			unsigned y = labels ? labels[i] : ds->samples[i].label;
			if (y >= nds || !p->prob_ok[i] || own[y] >= p->nprob)
				continue;
			sum[own[y]] += p->prob[i * p->nprob + own[y]];
			count[own[y]]++;
		}
		/* A class nobody is labelled with has no threshold to pass. */
		for (k = 0; k < p->nprob; k++)
			t[k] = count[k] ? (float)(sum[k] / (double)count[k]) : INFINITY;
	}

	for (i = 0; i < nsamples; i++) {
		unsigned y = labels ? labels[i] : ds->samples[i].label;
		struct suspect s = { .sample = i, .label = (uint16_t)y };
		if (y >= nds || p->pred[i] == LABEL_NONE)
			continue;
		if (p->prob) {
			const float *row = p->prob + i * p->nprob;
			unsigned yo = own[y];
			int best = -1;
			if (!p->prob_ok[i] || (yo < p->nprob && pred_argmax(row, p->nprob) == yo))
				continue;
			for (k = 0; k < p->nprob; k++)
				if (k != yo && row[k] >= t[k] && (best < 0 || row[k] > row[best]))
					best = (int)k;
			if (best < 0)
				continue;
			s.p_label = yo < p->nprob ? row[yo] : 0;
			s.likely = p->to_dataset[best];
			s.p_likely = row[best];
			s.threshold = t[best];
			s.score = 1 - s.p_label;
		} else {
			if (p->to_dataset[p->pred[i]] == y)
				continue;
			s.likely = p->to_dataset[p->pred[i]];
			s.p_label = s.p_likely = s.threshold = NAN;
			s.score = 1;
		}
		out = xgrow(out, &cap, nout + 1, sizeof *out);
		out[nout++] = s;
	}
	if (nout > 1)
		qsort(out, nout, sizeof *out, cmp_suspects);
	free(own);
	free(sum);
	free(count);
	free(t);
	*n = nout;
	return out;
}

void
suspect_detail(const struct suspect *s, const struct dataset *ds, struct buf *b)
{
	struct buf y = { 0 }, k = { 0 };
	escape_name(&y, dataset_label_name(ds, s->label));
	escape_name(&k, dataset_label_name(ds, s->likely));
	buf_str(&y);
	buf_str(&k);
	if (isnan(s->p_label))
		buf_addf(b, "pred %s != label %s", k.data, y.data);
	else
		buf_addf(b, "p(%s)=%.2f < p(%s)=%.2f >= t_%s=%.2f", y.data, s->p_label,
		    k.data, s->p_likely, k.data, s->threshold);
	buf_free(&y);
	buf_free(&k);
}
