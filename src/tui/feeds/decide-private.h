/* decide-private.h — what decide.c lends the rest of the decisions
 * (decide-shown.c): the checks before a decision and the queue of a batch. */
#ifndef WINNOW_DECIDE_PRIVATE_H
#define WINNOW_DECIDE_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

struct app;
struct buf;

/* May decisions be made now? Says why not on the status line. */
int decide_can(struct app *app);
/* The label a sample has now, decisions included. */
unsigned decide_current_label(const struct app *app, size_t i);
/* Why s cannot be a label folder's name, or NULL. */
const char *decide_bad_label(const char *s);
/* s[0..n) without the blanks around it; the caller frees. */
char *decide_trimmed(const char *s, size_t n);

enum skip { SKIP_NOT, SKIP_SAME, SKIP_DELETED };
/* Is sample i left out of a relabel to label `to` (-1: a new label)? */
enum skip decide_skip_of(const struct app *app, size_t i, int to);
/* " (1 already no, 2 to delete)" into b, or nothing. */
void decide_skipped(struct buf *b, size_t same, size_t deleted, const char *to);
/* Queue the relabel of samples[0..n) to `to` as one batch; takes both. */
void decide_queue_shown(struct app *app, char *to, uint32_t *samples, size_t n);

#endif
