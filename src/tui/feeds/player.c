/* player.c — PortAudio playback: a player thread decodes into a ring buffer
 * that PortAudio's callback drains. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <portaudio.h>

#include "audio.h"
#include "player.h"
#include "util.h"

/* Frames decoded at a time. The ring is filled before the stream starts,
 * and a device takes a whole buffer (its latency, up to a few tenths of a
 * second) at once when it starts: the ring holds two seconds, or twice the
 * latency when that is more. */
#define BLOCK_FRAMES 1024
#define RING_SECONDS 2.0
/* How often the player thread looks at the ring and the stream while a
 * clip plays: well inside what the ring holds. */
#define PUMP_NSEC 10000000L
/* How long quitting waits for the player thread to end. */
#define CLOSE_SECONDS 2

/* One clip on one PortAudio stream, from start to stop. The player thread
 * owns it; the callback reads the ring and sets `finished`. */
struct clip_stream {
	unsigned id;
	struct audio_reader *reader;
	unsigned rate, channels;        /* the clip's */
	unsigned out_rate, out_channels;/* what the stream takes */
	double duration, latency;
	PaStream *stream;

	/* Single producer (player thread), single consumer (callback). Counts
	 * are in samples and only grow; the mask wraps them. */
	float *ring;
	size_t mask;
	atomic_size_t head, tail;
	atomic_int eof;                 /* every sample is in the ring */
	atomic_int finished;            /* the stream has played out */
	atomic_uint_fast64_t *played;   /* frames handed to the device */

	/* Decoding and rate conversion (a copy when the rates are equal,
	 * which the device is asked for first). */
	float *in, *mixed, *out;
	struct audio_resampler *resampler;
};

enum command { CMD_NONE, CMD_PLAY, CMD_STOP, CMD_QUIT };

struct player {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	player_notify_fn notify;
	void *notify_arg;

	/* Under lock: the request and the status. */
	enum command cmd;
	char *path;
	int dirfd;
	unsigned next_id;
	struct player_status st;
	double latency;

	/* Player thread only. */
	PaDeviceIndex device;
	struct clip_stream *cur;

	atomic_uint_fast64_t played;
};

/* Under the lock, so that player_close can silence a thread it leaves
 * behind. */
static void
notify(struct player *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->notify != NULL)
		p->notify(p->notify_arg);
	pthread_mutex_unlock(&p->lock);
}

/* ---- the callback (PortAudio's thread: no locks, no allocation) ---- */

static int
pa_callback(const void *input, void *output, unsigned long frames,
    const PaStreamCallbackTimeInfo *time, PaStreamCallbackFlags flags, void *arg)
{
	struct clip_stream *cs = arg;
	float *out = output;
	size_t want = frames * cs->out_channels, have, take, at, first;
	int eof = atomic_load_explicit(&cs->eof, memory_order_acquire);
	size_t tail = atomic_load_explicit(&cs->tail, memory_order_relaxed);

	have = atomic_load_explicit(&cs->head, memory_order_acquire) - tail;
	take = have < want ? have : want;
	at = tail & cs->mask;
	first = cs->mask + 1 - at < take ? cs->mask + 1 - at : take;
	memcpy(out, cs->ring + at, first * sizeof *out);
	memcpy(out + first, cs->ring, (take - first) * sizeof *out);
	atomic_store_explicit(&cs->tail, tail + take, memory_order_release);
	atomic_fetch_add_explicit(cs->played, take / cs->out_channels, memory_order_relaxed);
	if (take < want) {
		/* Past the end, or the decoder fell behind: silence. */
		memset(out + take, 0, (want - take) * sizeof *out);
		if (eof)
			return paComplete;
	}
	return paContinue;
}

static void
pa_finished(void *arg)
{
	struct clip_stream *cs = arg;
	atomic_store(&cs->finished, 1);
}

/* ---- decoding into the ring (player thread) ---- */

static size_t
ring_space(struct clip_stream *cs)
{
	return cs->mask + 1 - (atomic_load_explicit(&cs->head, memory_order_relaxed) -
	    atomic_load_explicit(&cs->tail, memory_order_acquire));
}

static void
ring_write(struct clip_stream *cs, const float *x, size_t n)
{
	size_t head = atomic_load_explicit(&cs->head, memory_order_relaxed);
	size_t at = head & cs->mask, first = cs->mask + 1 - at < n ? cs->mask + 1 - at : n;

	memcpy(cs->ring + at, x, first * sizeof *x);
	memcpy(cs->ring, x + first, (n - first) * sizeof *x);
	atomic_store_explicit(&cs->head, head + n, memory_order_release);
}

/* The most output frames one block can make. */
static size_t
block_out_frames(const struct clip_stream *cs)
{
	return audio_resample_max(cs->resampler, BLOCK_FRAMES);
}

/* Decode while the ring has room. */
static void
pump(struct clip_stream *cs)
{
	unsigned nc = cs->channels, oc = cs->out_channels, c;
	size_t k, f;
	float *x, sum;

	while (!atomic_load(&cs->eof) && ring_space(cs) >= block_out_frames(cs) * oc) {
		k = audio_reader_read(cs->reader, cs->in, BLOCK_FRAMES);
		x = cs->in;
		if (k > 0 && oc != nc) {
			/* More channels than the device takes: the mono mix
			 * on every output channel. */
			for (f = 0; f < k; f++) {
				sum = 0;
				for (c = 0; c < nc; c++)
					sum += cs->in[f * nc + c];
				for (c = 0; c < oc; c++)
					cs->mixed[f * oc + c] = sum / nc;
			}
			x = cs->mixed;
		}
		ring_write(cs, cs->out, audio_resample(cs->resampler, x, k, cs->out) * oc);
		if (k == 0)
			atomic_store_explicit(&cs->eof, 1, memory_order_release);
	}
}

static void
clip_stream_free(struct clip_stream *cs)
{
	if (cs == NULL)
		return;
	audio_reader_close(cs->reader);
	free(cs->ring);
	free(cs->in);
	free(cs->mixed);
	free(cs->out);
	audio_resampler_free(cs->resampler);
	free(cs);
}

/* Open a stream in a format the device takes: the clip's channels and rate
 * first (no conversion, so what is heard is the file's own samples), then
 * two channels and one, then the device's default rate. Trying the open
 * itself costs less than asking Pa_IsFormatSupported, which opens the
 * device too. Returns 0, or -1 with *cause set. */
static int
open_stream(struct player *p, struct clip_stream *cs, double *latency, char **cause)
{
	const PaDeviceInfo *dev = Pa_GetDeviceInfo(p->device);
	unsigned channels[3] = { cs->channels, 2, 1 }, rates[2];
	PaStreamParameters out;
	PaError e = paNoError;
	size_t i, j;

	if (dev == NULL || dev->maxOutputChannels < 1) {
		set_cause(cause, "the sound device has no output");
		return -1;
	}
	rates[0] = cs->rate;
	rates[1] = (unsigned)dev->defaultSampleRate;
	for (i = 0; i < ARRAY_SIZE(channels); i++) {
		if ((int)channels[i] > dev->maxOutputChannels || channels[i] > cs->channels ||
		    (i > 0 && channels[i] == channels[0]))
			continue;
		for (j = 0; j < ARRAY_SIZE(rates); j++) {
			if (rates[j] == 0 || (j > 0 && rates[j] == rates[0]))
				continue;
			out = (PaStreamParameters){
				.device = p->device,
				.channelCount = (int)channels[i],
				.sampleFormat = paFloat32,
				/* The device's own buffer is silence ahead of
				 * the clip: the low figure (about 10 ms) starts
				 * a clip when the key is pressed, where the high
				 * one made it 45 ms late. A sound server over
				 * the network (PULSE_SERVER, as over ssh -R)
				 * gets the high one, lest clips stutter. */
				.suggestedLatency = getenv("PULSE_SERVER") != NULL ?
				    dev->defaultHighOutputLatency : dev->defaultLowOutputLatency,
			};
			e = Pa_OpenStream(&cs->stream, NULL, &out, rates[j],
			    paFramesPerBufferUnspecified,
			    paPrimeOutputBuffersUsingStreamCallback, pa_callback, cs);
			if (e == paNoError) {
				cs->out_channels = channels[i];
				cs->out_rate = rates[j];
				*latency = out.suggestedLatency;
				return 0;
			}
		}
	}
	cs->stream = NULL;
	set_cause(cause, "cannot open the sound device: %s", Pa_GetErrorText(e));
	return -1;
}

static struct clip_stream *
clip_stream_start(struct player *p, unsigned id, int dirfd, const char *path,
    char **cause)
{
	struct clip_stream *cs = xcalloc(1, sizeof *cs);
	const PaStreamInfo *info;
	double ring_seconds, latency;
	size_t cap;
	PaError e;

	cs->id = id;
	cs->played = &p->played;
	cs->reader = audio_reader_open(dirfd, path, &cs->rate, &cs->channels,
	    &cs->duration, cause);
	if (cs->reader == NULL)
		goto fail;
	/* The stream is opened before the ring is filled: the callback will
	 * not run before Pa_StartStream, and the ring's size follows the
	 * format the device took. */
	if (open_stream(p, cs, &latency, cause) != 0)
		goto fail;

	cs->resampler = audio_resampler_new(cs->out_channels, cs->rate, cs->out_rate);
	ring_seconds = latency * 2 > RING_SECONDS ? latency * 2 : RING_SECONDS;
	for (cap = 1; cap < (size_t)(cs->out_rate * ring_seconds) * cs->out_channels ||
	    cap < 4 * block_out_frames(cs) * cs->out_channels; cap *= 2)
		;
	cs->ring = xmalloc(cap * sizeof *cs->ring);
	cs->mask = cap - 1;
	cs->in = xmalloc((size_t)BLOCK_FRAMES * cs->channels * sizeof *cs->in);
	cs->mixed = xmalloc((size_t)BLOCK_FRAMES * cs->out_channels * sizeof *cs->mixed);
	cs->out = xmalloc(block_out_frames(cs) * cs->out_channels * sizeof *cs->out);
	atomic_store(&p->played, 0);

	/* A full ring before the stream starts: no underrun when the device
	 * takes its first buffer, and a clip shorter than the ring is
	 * decoded whole before it sounds. */
	pump(cs);

	Pa_SetStreamFinishedCallback(cs->stream, pa_finished);
	if ((e = Pa_StartStream(cs->stream)) != paNoError) {
		set_cause(cause, "cannot start the sound device: %s", Pa_GetErrorText(e));
		goto fail;
	}
	info = Pa_GetStreamInfo(cs->stream);
	cs->latency = info != NULL ? info->outputLatency : 0;
	return cs;
fail:
	if (cs->stream != NULL)
		Pa_CloseStream(cs->stream);
	clip_stream_free(cs);
	return NULL;
}

/* Stop and free the current clip's stream; `state` is what its status becomes
 * unless the caller already changed it. */
static void
clip_stream_end(struct player *p, enum player_clip state, int abort)
{
	struct clip_stream *cs = p->cur;
	int changed = 0;

	if (cs == NULL)
		return;
	if (abort)
		Pa_AbortStream(cs->stream);
	else
		Pa_StopStream(cs->stream);
	Pa_CloseStream(cs->stream);
	p->cur = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->st.id == cs->id && p->st.state == PLAYER_PLAYING) {
		p->st.state = state;
		p->st.position = state == PLAYER_ENDED ? cs->duration : p->st.position;
		changed = 1;
	}
	pthread_mutex_unlock(&p->lock);
	clip_stream_free(cs);
	if (changed && state == PLAYER_ENDED)
		notify(p);
}

static void
device_start(struct player *p)
{
	PaError e = Pa_Initialize();
	char *why = NULL;

	if (e != paNoError)
		why = xasprintf("no sound device (PortAudio: %s)", Pa_GetErrorText(e));
	else if ((p->device = Pa_GetDefaultOutputDevice()) == paNoDevice) {
		why = xstrdup("no sound device");
		Pa_Terminate();
	}
	pthread_mutex_lock(&p->lock);
	if (why != NULL) {
		p->st.device = PLAYER_NO_DEVICE;
		snprintf(p->st.message, sizeof p->st.message, "%s", why);
	} else
		p->st.device = PLAYER_DEVICE_READY;
	pthread_mutex_unlock(&p->lock);
	free(why);
	notify(p);
}

static void
play(struct player *p, unsigned id, int dirfd, const char *path)
{
	struct clip_stream *cs;
	char *cause = NULL;

	cs = clip_stream_start(p, id, dirfd, path, &cause);
	pthread_mutex_lock(&p->lock);
	if (p->st.id == id && p->st.state == PLAYER_QUEUED) {
		if (cs != NULL) {
			p->st.state = PLAYER_PLAYING;
			p->st.duration = cs->duration;
			p->st.rate = cs->rate;
			p->st.device_rate = cs->out_rate;
			p->latency = cs->latency;
		} else {
			p->st.state = PLAYER_FAILED;
			snprintf(p->st.message, sizeof p->st.message, "%s", cause);
		}
	}
	pthread_mutex_unlock(&p->lock);
	free(cause);
	p->cur = cs;
	notify(p);
}

static void *
player_main(void *arg)
{
	struct player *p = arg;
	struct timespec ts;
	enum command cmd;
	char *path;
	unsigned id;
	int dirfd, device_ok;

	device_start(p);
	device_ok = p->st.device == PLAYER_DEVICE_READY;
	for (;;) {
		pthread_mutex_lock(&p->lock);
		if (p->cmd == CMD_NONE && p->cur == NULL)
			pthread_cond_wait(&p->cond, &p->lock);
		else if (p->cmd == CMD_NONE) {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += PUMP_NSEC;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&p->cond, &p->lock, &ts);
		}
		cmd = p->cmd;
		path = p->path;
		dirfd = p->dirfd;
		id = p->st.id;
		p->cmd = CMD_NONE;
		p->path = NULL;
		p->dirfd = -1;
		pthread_mutex_unlock(&p->lock);

		if (cmd == CMD_QUIT) {
			clip_stream_end(p, PLAYER_STOPPED, 1);
			break;
		}
		if (cmd == CMD_STOP || cmd == CMD_PLAY)
			clip_stream_end(p, PLAYER_STOPPED, 1);
		if (cmd == CMD_PLAY && device_ok)
			play(p, id, dirfd, path);
		else if (cmd == CMD_PLAY) {
			/* Asked while PortAudio was still starting. */
			pthread_mutex_lock(&p->lock);
			if (p->st.id == id && p->st.state == PLAYER_QUEUED)
				p->st.state = PLAYER_FAILED;
			pthread_mutex_unlock(&p->lock);
			notify(p);
		}
		if (dirfd >= 0)
			close(dirfd);
		free(path);
		if (p->cur != NULL) {
			if (atomic_load(&p->cur->finished))
				clip_stream_end(p, PLAYER_ENDED, 0);
			else
				pump(p->cur);
		}
	}
	if (device_ok)
		Pa_Terminate();
	return NULL;
}

struct player *
player_open(player_notify_fn fn, void *arg)
{
	struct player *p = xcalloc(1, sizeof *p);
	pthread_attr_t attr;
	sigset_t all, old;

	p->notify = fn;
	p->notify_arg = arg;
	p->dirfd = -1;
	p->st.device = PLAYER_DEVICE_STARTING;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	/* Signals are the UI thread's business: the player thread and the
	 * threads PortAudio starts from it block them all. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_init(&attr);
	if (pthread_create(&p->thread, &attr, player_main, p) != 0)
		die("cannot start the player thread: %s", strerror(errno));
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return p;
}

void
player_close(struct player *p)
{
	struct timespec ts;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->cmd = CMD_QUIT;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += CLOSE_SECONDS;
	if (pthread_timedjoin_np(p->thread, NULL, &ts) != 0) {
		/* Held in the sound library's open by a server that does not
		 * answer, maybe for ever: the thread keeps the player, which the
		 * program's exit ends with it, and tells no one any more. */
		pthread_mutex_lock(&p->lock);
		p->notify = NULL;
		pthread_mutex_unlock(&p->lock);
		pthread_detach(p->thread);
		return;
	}
	if (p->dirfd >= 0)
		close(p->dirfd);
	free(p->path);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}

unsigned
player_play(struct player *p, int dirfd, const char *path)
{
	unsigned id;
	int fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);

	pthread_mutex_lock(&p->lock);
	id = ++p->next_id;
	p->st.id = id;
	p->st.position = p->st.duration = 0;
	p->st.rate = p->st.device_rate = 0;
	p->st.message[0] = '\0';
	if (p->st.device == PLAYER_NO_DEVICE) {
		p->st.state = PLAYER_FAILED;
		snprintf(p->st.message, sizeof p->st.message, "no sound device");
		if (fd >= 0)
			close(fd);
		pthread_mutex_unlock(&p->lock);
		return id;
	}
	p->st.state = PLAYER_QUEUED;
	free(p->path);
	if (p->dirfd >= 0)
		close(p->dirfd);
	p->path = xstrdup(path);
	p->dirfd = fd;
	p->cmd = CMD_PLAY;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return id;
}

void
player_stop(struct player *p)
{
	pthread_mutex_lock(&p->lock);
	if (p->st.state == PLAYER_QUEUED || p->st.state == PLAYER_PLAYING)
		p->st.state = PLAYER_STOPPED;
	if (p->cmd != CMD_QUIT)
		p->cmd = CMD_STOP;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Called with the lock held. */
static double
position_locked(struct player *p)
{
	double pos;

	if (p->st.state != PLAYER_PLAYING || p->st.device_rate == 0)
		return -1;
	pos = (double)atomic_load(&p->played) / p->st.device_rate - p->latency;
	if (pos < 0)
		pos = 0;
	if (p->st.duration > 0 && pos > p->st.duration)
		pos = p->st.duration;
	return pos;
}

void
player_status(struct player *p, struct player_status *st)
{
	pthread_mutex_lock(&p->lock);
	*st = p->st;
	if (st->state == PLAYER_PLAYING)
		st->position = position_locked(p);
	pthread_mutex_unlock(&p->lock);
}

double
player_position(struct player *p)
{
	double pos;

	pthread_mutex_lock(&p->lock);
	pos = position_locked(p);
	pthread_mutex_unlock(&p->lock);
	return pos;
}
