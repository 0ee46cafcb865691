/* cmd.h — the subcommands; each lives in its own cmd-NAME.c (the browser in
 * tui/browse.c) and is called with argv[0] = its name. Each returns the
 * process exit status (0 success, 1 findings or conflicts, 2 usage or fatal
 * error). What they share is in cmd.c. */
#ifndef WINNOW_CMD_H
#define WINNOW_CMD_H

int cmd_browse(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_confusion(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_merge(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_trend(int argc, char **argv);
int cmd_regress(int argc, char **argv);

/* Print the top-level usage to stdout. */
void usage_help(void);
/* One-line usage error "winnow CMD: message (try 'winnow CMD --help')";
 * returns 2 for the caller to return. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The output formats of --format, as bits for parse_format's `allowed`. */
enum out_format { OUT_TEXT = 1, OUT_TSV = 2, OUT_JSON = 4 };
/* The format --format ARG names, if among `allowed`; else -1 after the
 * usage error "unknown format 'ARG'" of subcommand cmd. */
int parse_format(const char *cmd, const char *arg, unsigned allowed);

struct buf;
/* A JSON string of s (escaped as names are on screen, then as JSON wants),
 * and a number (null for NAN), appended to b. */
void json_add_string(struct buf *b, const char *s);
void json_add_number(struct buf *b, double v);

struct predictions;
/* The problems of a predictions file on stderr, one a line (the first few
 * of each kind), then a line counting them all. */
void pred_problems_report(const struct predictions *p);

struct journal;
/* journal_read for a subcommand: NULL after printing why on stderr; a torn
 * last document (left out) is reported there too. The caller frees the
 * journal with journal_free. */
struct journal *journal_read_reported(const char *file);
struct dataset;
/* journal_read_reported, then checked to be about ds: NULL after printing
 * why. */
struct journal *journal_read_for(const char *file, const struct dataset *ds);
/* dataset_open for a subcommand: the dataset's problems on stderr, one a
 * line. NULL after printing why. The caller frees with dataset_free. */
struct dataset *dataset_open_reported(const char *root);
struct annotations;
/* journal_annotate (nothing when j is NULL), and on stderr how many of its
 * decisions name paths not in ds. */
void journal_annotate_reported(const struct journal *j, struct dataset *ds,
    struct annotations *a);
#endif
