/* thread-before-main.c — a library for tests to preload that, as OpenBLAS
 * does, starts a thread before main with every signal unblocked, so that
 * the kernel may give that thread a signal sent to the process. */
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

static void *
idle(void *arg)
{
	for (;;)
		pause();
	return arg;
}

__attribute__((constructor)) static void
start(void)
{
	pthread_t t;
	sigset_t none, old;

	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, &old);
	if (pthread_create(&t, NULL, idle, NULL) == 0)
		pthread_detach(t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
