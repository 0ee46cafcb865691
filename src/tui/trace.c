/* trace.c — the --trace log (trace.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "trace.h"
#include "ui.h"
#include "util.h"

int
trace_open(struct app *app)
{
	if (app->opt.trace == NULL)
		return 0;
	app->trace = fopen(app->opt.trace, "w");
	if (app->trace == NULL) {
		fprintf(stderr, "%s: %s: %s\n", progname, app->opt.trace, strerror(errno));
		return -1;
	}
	fprintf(app->trace, "# winnow trace: event\tms since start"
	    "[\tkey\tkey-to-frame ms\tUI thread CPU ms]\n");
	return 0;
}

void
trace_event(struct app *app, const char *what, double ms)
{
	if (app->trace) {
		fprintf(app->trace, "%s\t%.3f\n", what, ms);
		fflush(app->trace);
	}
}

void
trace_keys(struct app *app, const double *arrived, char (*names)[16], int nkeys,
    double woke_cpu)
{
	double now, cpu;
	int i;

	if (app->trace == NULL)
		return;
	now = now_seconds();
	cpu = trace_thread_cpu() - woke_cpu;
	for (i = 0; i < nkeys; i++)
		fprintf(app->trace, "key\t%.3f\t%s\t%.3f\t%.3f\n",
		    (arrived[i] - app->started) * 1000, names[i],
		    (now - arrived[i]) * 1000, cpu * 1000);
	fflush(app->trace);
}

double
trace_thread_cpu(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
trace_close(struct app *app)
{
	if (app->trace)
		fclose(app->trace);
	app->trace = NULL;
}
