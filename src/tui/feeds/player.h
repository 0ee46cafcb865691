/* player.h — playing clips with PortAudio without ever blocking the caller.
 *
 * As cmus does it: a player thread opens the clip, decodes it (converting
 * the rate when the device refuses the clip's) into a ring buffer, and
 * PortAudio's callback drains the ring. The caller's functions only post a
 * request and return; what happens is read back as a snapshot copied under
 * a mutex (player_status), and announced through the notify function.
 *
 * The player thread starts PortAudio itself, so a sound server that takes
 * long to answer (a dead PulseAudio tunnel) never holds the caller up.
 * With no usable output device the device state becomes PLAYER_NO_DEVICE
 * with a message, and every play request fails at once with it.
 *
 * Nothing here prints. PortAudio, ALSA and JACK do print to stderr while
 * PortAudio starts: the browser points fd 2 at its log before
 * player_open. No curses here. */
#ifndef WINNOW_PLAYER_H
#define WINNOW_PLAYER_H

#include <stddef.h>

struct player;

enum player_device {
	PLAYER_DEVICE_STARTING,     /* PortAudio is starting */
	PLAYER_DEVICE_READY,
	PLAYER_NO_DEVICE,           /* message says why */
};

enum player_clip {
	PLAYER_IDLE,                /* nothing asked yet */
	PLAYER_QUEUED,              /* asked; not sounding yet */
	PLAYER_PLAYING,
	PLAYER_ENDED,               /* played to its end */
	PLAYER_STOPPED,             /* player_stop, or another clip asked */
	PLAYER_FAILED,              /* message says why */
};

struct player_status {
	enum player_device device;
	unsigned id;                /* the last clip asked for (0: none) */
	enum player_clip state;     /* of that clip */
	double position;            /* seconds heard of it */
	double duration;            /* its length in seconds (0: unknown yet) */
	unsigned rate;              /* its rate, and the rate it is played at */
	unsigned device_rate;
	char message[200];          /* PLAYER_FAILED / PLAYER_NO_DEVICE: why */
};

/* Called on the player thread whenever the status changes by itself: the
 * device became ready or unusable, a clip started sounding, ended, or
 * failed (not on changes the caller made: player_stop, player_play). It
 * must only hand the news over (e.g. worker_submit with a NULL run). */
typedef void (*player_notify_fn)(void *arg);

/* Start the player thread (which starts PortAudio). Never fails; see the
 * device state. Free with player_close. notify may be NULL. Sets
 * JACK_NO_START_SERVER (unless set): call it where no other thread reads
 * the environment at the same moment. */
struct player *player_open(player_notify_fn notify, void *arg);
/* Stop playing, stop the thread and PortAudio, free the player. A thread
 * still held in opening a stream after two seconds (a sound server that
 * does not answer) is left to the program's exit, its notify silenced. */
void player_close(struct player *p);

/* Play path (relative to dirfd, never leaving its tree) from its start,
 * replacing whatever plays. dirfd is duplicated: the caller may close its
 * own. Returns the clip's id (> 0), which the status then describes. */
unsigned player_play(struct player *p, int dirfd, const char *path);
/* Stop playing now (the state becomes PLAYER_STOPPED at once). */
void player_stop(struct player *p);

/* A snapshot of the state. */
void player_status(struct player *p, struct player_status *st);
/* Seconds heard of the clip playing, or -1 when none is. */
double player_position(struct player *p);

#endif
