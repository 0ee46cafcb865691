"""The clip rows of `make bench`: a clip's waveform in the preview, and
playback from the Space key to the sound device.

bench.py runs as the main module and registers these rows; they use its
options and helpers (args, row, fmt_t, tmux) through __main__."""
import fcntl
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time

import numpy as np

import __main__ as bench

# The preview pane of a 120×40 terminal (ui.c's layout: 3/5 of the width
# to the file list, 3/5 of the height to the top row of panes), the size
# bench.py's other browser rows use.
PANE_COLS, PANE_ROWS = 47, 23


def speech_clips(n):
    """n clips spread evenly over the speech tree, in its order."""
    files = []
    for d in sorted(os.listdir(bench.SPEECH)):
        if d.startswith("."):
            continue
        files += [os.path.join(bench.SPEECH, d, f)
                  for f in sorted(os.listdir(os.path.join(bench.SPEECH, d))) if f.endswith(".wav")]
    if len(files) < n:
        raise RuntimeError("the speech tree has %d clips, fewer than %d" % (len(files), n))
    return files[::len(files) // n][:n]


def waveform():
    if not bench.args.wave or not os.path.exists(bench.args.wave):
        raise RuntimeError("bench/wave was not built")
    clips = speech_clips(200)
    env = dict(os.environ, LC_ALL="C.UTF-8")
    total, load, draw, decode, cpu, ref, first = [], [], [], [], [], [], []
    for i in range(bench.args.runs + 1):
        out = subprocess.run([bench.args.wave, str(PANE_COLS), str(PANE_ROWS)] + clips,
                             capture_output=True, text=True, env=env, check=True).stdout
        cols = list(zip(*(map(float, line.split()) for line in out.splitlines())))
        if len(cols) != 5 or len(cols[0]) != len(clips):
            raise RuntimeError("bench/wave printed %d lines for %d clips" % (
                len(out.splitlines()), len(clips)))
        t0 = time.perf_counter()
        for f in clips[:50]:
            subprocess.run(["sox", f, "-n", "stat"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
        if i > 0:   # the first round warms the page cache
            for xs, col in zip((total, load, draw, decode, cpu), cols):
                xs.append(statistics.median(col) / 1000)
            ref.append((time.perf_counter() - t0) / 50)
            first.append(cols[0][0] / 1000)
    r = [b / a for a, b in zip(total, ref)]
    m = statistics.median(total)
    bench.row("waveform", "a 1-second 16 kHz clip selected, in a %d×%d preview: decoding, levels and "
              "spectrogram (load %s, of which decoding %s), then the envelope, loudest second and info "
              "line drawn and sent (%s); CPU %s. The first clip after start-up takes %s: the FFT's "
              "plan is made once" % (
                  PANE_COLS, PANE_ROWS, bench.fmt_t(load), bench.fmt_t(decode), bench.fmt_t(draw),
                  bench.fmt_t(cpu), bench.fmt_t(first)),
              bench.fmt_t(total), "`sox FILE -n stat` per file: " + bench.fmt_t(ref),
              "%.0f× faster" % statistics.median(r), "< 2 ms", "yes" if m < 0.002 else "NO")


class Device:
    """ALSA's default PCM for a test HOME: the file plugin writes the
    stream into a FIFO that a thread here reads at 16 kHz mono float's rate
    (as a sound card takes it; the small pipe holds the writer to that
    pace), keeping each read and when it returned, on this process's
    monotonic clock. The FIFO is held open for reading and writing, so
    ALSA's opens never wait for a reader and the reader never sees an end."""
    BYTES_PER_SECOND = 16000 * 4

    def __init__(self, home):
        self.fifo = os.path.join(home, "device")
        os.mkfifo(self.fifo)
        with open(os.path.join(home, ".asoundrc"), "w") as f:
            f.write('pcm.!default {\n\ttype file\n\tslave.pcm "null"\n\tfile "%s"\n'
                    '\tformat "raw"\n}\n' % self.fifo)
        self.fd = os.open(self.fifo, os.O_RDWR)
        try:
            fcntl.fcntl(self.fd, 1031, 4096)      # F_SETPIPE_SZ
        except OSError:
            pass
        self.reads = []         # (monotonic seconds, the bytes read)
        self.stopping = False
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while not self.stopping:
            b = os.read(self.fd, 4096)
            self.reads.append((time.monotonic(), b))
            time.sleep(len(b) / self.BYTES_PER_SECOND)

    def first_after(self, t, timeout):
        """The time of the first read after t, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            later = [at for at, _ in self.reads if at > t]
            if later:
                return later[0]
            time.sleep(0.002)
        return None

    def since(self, t):
        """Every byte read after t, as 32-bit floats."""
        return np.frombuffer(b"".join(b for at, b in self.reads if at > t), dtype="<f4")

    def wait_quiet(self, seconds, timeout=10):
        """Wait until nothing has come for `seconds`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.reads or time.monotonic() - self.reads[-1][0] >= seconds:
                return
            time.sleep(0.02)
        raise RuntimeError("the sound device kept getting bytes after the clip stopped")

    def close(self):
        self.stopping = True
        os.write(self.fd, b"\0")    # wakes the reader
        self.thread.join(5)
        os.close(self.fd)


def clip_offset(stream, clip):
    """Where the clip starts in the stream, in frames (mono): the device
    may get silence ahead of it."""
    gz, wz = np.flatnonzero(stream), np.flatnonzero(clip)
    if len(gz) == 0 or len(wz) == 0:
        raise RuntimeError("the device got only silence")
    start = gz[0] - wz[0]
    n = min(len(stream) - start, len(clip))
    if start < 0 or n < 1000 or not np.array_equal(stream[start:start + n], clip[:n]):
        raise RuntimeError("the device did not get the selected clip")
    return start


def playback():
    clips = speech_clips(5)
    tmp = tempfile.mkdtemp()
    data = os.path.join(tmp, "data")
    for f in clips:
        label = os.path.join(data, os.path.basename(os.path.dirname(f)))
        os.makedirs(label, exist_ok=True)
        shutil.copy(f, label)
    # What each clip must sound like at the device: 32-bit float, as
    # winnow plays a 16 kHz mono clip (tests/playback.sh checks it).
    want = [np.frombuffer(subprocess.run(["sox", f, "-t", "f32", "-"], capture_output=True,
                                         check=True).stdout, dtype="<f4") for f in clips]
    dev = Device(tmp)
    sock = "winnow-bench-audio-%d" % os.getpid()
    env = "HOME=%s XDG_CACHE_HOME=%s/cache XDG_STATE_HOME=%s/state XDG_CONFIG_HOME=%s/config" % (
        tmp, tmp, tmp, tmp)
    lat, heard, first, deliver = [], [], [], []
    try:
        for session in range(bench.args.runs + 1):
            trace = os.path.join(tmp, "trace")
            if os.path.exists(trace):
                os.remove(trace)
            bench.tmux(sock, "new-session", "-d", "-x", "120", "-y", "40",
                       "env %s TERM=xterm-256color %s --trace %s %s" % (env, bench.W, trace, data))
            try:
                deadline = time.time() + 30
                while not (os.path.exists(trace) and "ready" in open(trace).read()):
                    if time.time() > deadline:
                        raise RuntimeError("winnow did not draw its file list in 30 s")
                    time.sleep(0.02)
                # PortAudio starts once the list is drawn, on the player's
                # thread; a Space before it is ready is refused.
                time.sleep(1.0)
                for k in range(len(clips)):
                    bench.tmux(sock, "send-keys", "g", *["j"] * k)
                    time.sleep(0.4)     # the preview decodes the clip
                    dev.wait_quiet(0.2)
                    t0 = time.monotonic()
                    bench.tmux(sock, "send-keys", "Space")
                    t1 = time.monotonic()
                    got = dev.first_after(t0, 5)
                    if got is None:
                        screen = bench.tmux(sock, "capture-pane", "-p").rstrip().splitlines()
                        raise RuntimeError("no sound 5 s after Space; status: %s" % (
                            screen[-1].strip() if screen else "?"))
                    time.sleep(0.15)
                    bench.tmux(sock, "send-keys", "Space")
                    dev.wait_quiet(0.3)
                    lead = clip_offset(dev.since(t0), want[k])
                    if session > 0:     # the first session warms caches
                        lat.append(got - t0)
                        # A device plays what it gets in order, at the
                        # clip's rate (16 kHz): the silence ahead of the
                        # clip delays its sound by as much.
                        heard.append(got - t0 + lead / 16000)
                        deliver.append(t1 - t0)
                        if k == 0:
                            first.append(got - t0)
                bench.tmux(sock, "send-keys", "q")
                time.sleep(0.3)
            finally:
                bench.tmux(sock, "kill-server")
    finally:
        dev.close()
        shutil.rmtree(tmp, ignore_errors=True)
    m = statistics.median(heard)
    bench.row("playback", "Space to the clip's first sample at the sound device, %d presses on %d clips "
              "in %d starts of the browser. The stream's first bytes come at %s (the first press after "
              "start-up: %s), then %s of silence PortAudio starts the stream with, then the clip. "
              "It includes tmux delivering the key (the tmux client alone: %s) and the start of "
              "ALSA's buffer; the device is ALSA's default PCM through the file plugin into a FIFO "
              "read at the clip's rate" % (
                  len(lat), len(clips), bench.args.runs, bench.fmt_t(lat), bench.fmt_t(first),
                  bench.fmt_t([h - t for h, t in zip(heard, lat)]), bench.fmt_t(deliver)),
              bench.fmt_t(heard), "—", "—", "< 50 ms", "yes" if m < 0.05 else "NO")


def review():
    """Review mode over the demo's "off" clips: `a` on a clip to the next
    clip's first sample at the device, and the pace of a run that reviews
    them as fast as they play (the next `a` as soon as a clip ends)."""
    demo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "demo")
    tmp = tempfile.mkdtemp()
    data = os.path.join(tmp, "demo")
    shutil.copytree(demo, data, ignore=shutil.ignore_patterns(".winnow"))
    # The rows of the filter `off/ wav`, in path order.
    names = sorted(f for f in os.listdir(os.path.join(data, "off")) if f.endswith(".wav"))
    want = [np.frombuffer(subprocess.run(["sox", os.path.join(data, "off", f), "-t", "f32", "-"],
                                         capture_output=True, check=True).stdout, dtype="<f4")
            for f in names]
    dev = Device(tmp)
    sock = "winnow-bench-review-%d" % os.getpid()
    env = "HOME=%s XDG_CACHE_HOME=%s/cache XDG_STATE_HOME=%s/state XDG_CONFIG_HOME=%s/config" % (
        tmp, tmp, tmp, tmp)
    trace = os.path.join(tmp, "trace")
    lat, heard = [], []
    status = "?"
    try:
        bench.tmux(sock, "new-session", "-d", "-x", "160", "-y", "40",
                   "env %s TERM=xterm-256color %s --trace %s %s" % (env, bench.W, trace, data))
        try:
            deadline = time.time() + 30
            while not (os.path.exists(trace) and "ready" in open(trace).read()):
                if time.time() > deadline:
                    raise RuntimeError("winnow did not draw its file list in 30 s")
                time.sleep(0.02)
            time.sleep(1.0)     # PortAudio starts once the list is drawn
            bench.tmux(sock, "send-keys", "/")
            time.sleep(0.2)
            bench.tmux(sock, "send-keys", "-l", "off/ wav")
            bench.tmux(sock, "send-keys", "Enter", "g", "V", "Space")
            if dev.first_after(time.monotonic() - 0.5, 5) is None:
                raise RuntimeError("the first clip did not play")
            # The device reads every 64 ms: 0.2 s without a read is the
            # clip's end, which the next decision waits for.
            dev.wait_quiet(0.2, timeout=5)
            start = time.monotonic()
            for k in range(1, len(names)):
                t0 = time.monotonic()
                bench.tmux(sock, "send-keys", "a")
                got = dev.first_after(t0, 5)
                if got is None:
                    screen = bench.tmux(sock, "capture-pane", "-p").rstrip().splitlines()
                    raise RuntimeError("no sound 5 s after a; status: %s" % (
                        screen[-1].strip() if screen else "?"))
                dev.wait_quiet(0.2, timeout=5)
                lead = clip_offset(dev.since(t0), want[k])
                lat.append(got - t0)
                heard.append(got - t0 + lead / 16000)
            elapsed = time.monotonic() - start
            status = bench.tmux(sock, "capture-pane", "-p").rstrip().splitlines()[-1]
            bench.tmux(sock, "send-keys", "q")
            time.sleep(0.3)
        finally:
            bench.tmux(sock, "kill-server")
    finally:
        dev.close()
        shutil.rmtree(tmp, ignore_errors=True)
    m = statistics.median(heard)
    shown = status[status.find("review:"):].split(" · ")[:3] if "review:" in status else ["?"]
    bench.row("review", "review mode: `a` on a clip to the next clip's first sample at the sound "
              "device, %d decisions over the demo's `off` clips (`/off/ wav`), each made 0.2 s after "
              "the clip before ended: %.0f clips per hour, 1-second clips (the status line: %s). "
              "The stream's first bytes come at %s; the device is as for playback" % (
                  len(lat), len(lat) * 3600 / elapsed, " · ".join(shown), bench.fmt_t(lat)),
              bench.fmt_t(heard), "—", "—", "< 50 ms", "yes" if m < 0.05 else "NO")
