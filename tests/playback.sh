#!/bin/sh
# playback.sh — what winnow plays reaches the sound device, sample for
# sample. The device is ALSA's default PCM, routed by the test's ~/.asoundrc
# through the `file` plugin: each stream PortAudio opens is piped to a small
# reader that takes the bytes at the stream's real-time rate (so playing
# takes as long as on a loudspeaker, and stopping or switching happens
# mid-clip) and writes them to a numbered file. Those bytes must be the
# clip, decoded independently by sox to the same raw format: exactly, since
# the device takes every clip's own rate and channels (no conversion).
# A device slow to open (a FIFO no one reads yet) shows "connecting" at
# once, plays exactly once it answers, and does not hold up quitting.
. "$top_srcdir/tests/lib.sh"
need sox tmux aplay
[ -x "$PYTHON" ] || skip "$PYTHON is not installed"

OUT=$TMP/out
mkdir -p "$OUT"

# The reader: one per stream, started by ALSA with the stream's rate,
# channels, sample bits and format. A small pipe holds the writer to the
# reader's pace.
cat >"$TMP/pace.py" <<'EOF'
import fcntl, os, sys, time
rate, channels, bits, fmt, outdir = sys.argv[1:6]
try:
    fcntl.fcntl(0, 1031, 4096)      # F_SETPIPE_SZ
except OSError:
    pass
n = 0
while True:
    try:
        fd = os.open("%s/%03d.raw" % (outdir, n), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        break
    except FileExistsError:
        n += 1
per_second = int(rate) * int(channels) * int(bits) // 8
start, total = time.monotonic(), 0
while True:
    data = os.read(0, 4096)
    if not data:
        break
    os.write(fd, data)
    total += len(data)
    ahead = start + total / per_second - time.monotonic()
    if ahead > 0:
        time.sleep(ahead)
os.close(fd)
with open("%s/%03d.fmt" % (outdir, n), "w") as f:
    f.write("%s %s %s\n" % (rate, channels, fmt))
EOF

cat >"$HOME/.asoundrc" <<EOF
pcm.!default {
	type file
	slave.pcm "null"
	file "|exec $PYTHON $TMP/pace.py %r %c %b %f $OUT"
	format "raw"
}
EOF

# compare MODE OUT.raw CLIP [TYPE]: the stream against the clip decoded by
# sox to raw TYPE (f32: 32-bit float, the default; s16). The stream may
# start and end with silence the device added; between, `exact` wants the
# whole clip, `prefix` a clearly shorter start of it (a clip stopped or
# replaced while playing).
compare() {
	mode=$1 got=$2 clip=$3 type=${4:-f32}
	channels=$(soxi -c "$clip")
	sox "$clip" -t "$type" "$TMP/want.raw" || return 1
	"$PYTHON" - "$mode" "$got" "$TMP/want.raw" "$channels" "$type" <<'EOF'
import sys
import numpy as np
mode, got, want, ch, kind = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
dtype = {"f32": "<f4", "s16": "<i2"}[kind]
g = np.fromfile(got, dtype=dtype)
w = np.fromfile(want, dtype=dtype)
gz, wz = np.flatnonzero(g), np.flatnonzero(w)
if len(gz) == 0:
    sys.exit("# the device got only silence (%d samples)" % len(g))
start = gz[0] - wz[0]
if start < 0 or start % ch:
    sys.exit("# the clip does not start on a frame of the stream (offset %d)" % start)
body = g[start:]
if mode == "exact":
    if len(body) < len(w) or not np.array_equal(body[:len(w)], w):
        n = min(len(body), len(w))
        bad = np.flatnonzero(body[:n] != w[:n])
        sys.exit("# differs from the clip: %d samples got, %d wanted, first difference at %s"
                 % (len(body), len(w), bad[0] if len(bad) else n))
    if np.any(body[len(w):]):
        sys.exit("# sound after the clip's end")
else:
    n = gz[-1] - start + 1
    if not np.array_equal(body[:n], w[:n]):
        sys.exit("# the part played is not the clip's start")
    if n > len(w) - len(w) // 4:
        sys.exit("# %d of the clip's %d samples played: not stopped" % (n, len(w)))
    if n < len(w) // 20:
        sys.exit("# only %d samples played" % n)
EOF
}

# The streams written since the last call, oldest first (not empty ones).
SEEN=0
new_streams() {
	ls "$OUT"/*.fmt 2>/dev/null | sort | tail -n +$((SEEN + 1))
}
# wait_streams N: wait until N more streams have ended.
wait_streams() {
	end=$(( $(date +%s) + WAIT_SECONDS + 10 ))
	while [ "$(date +%s)" -le "$end" ]; do
		[ "$(new_streams | wc -l)" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "# timed out waiting for $1 stream(s); have:" >&2
	ls -l "$OUT" | sed 's/^/#   /' >&2
	return 1
}
# stream K: the raw file of the K-th new stream (1-based).
stream() { new_streams | sed -n "${1}p" | sed 's/\.fmt$/.raw/'; }
stream_format() { cat "$(new_streams | sed -n "${1}p")"; }
consume() { SEEN=$((SEEN + $1)); }
# played BYTES: the stream still playing has given the device BYTES.
played() {
	f=$(ls "$OUT"/*.raw | sort | tail -1)
	[ ! -e "${f%.raw}.fmt" ] && [ "$(stat -c %s "$f")" -ge "$1" ]
}

# ---- the device itself first: aplay's bytes reach the file as they are ----
sox -D -r 16000 -c 1 -n -b 16 "$TMP/probe.wav" synth 0.3 sine 440 vol 0.5
aplay -q "$TMP/probe.wav" 2>"$TMP/aplay.err"
if wait_streams 1; then
	expect_eq "the test device records a 16 kHz mono stream" "$(stream_format 1)" "16000 1 S16_LE"
	check "the test device records aplay's samples unchanged" \
		compare exact "$(stream 1)" "$TMP/probe.wav" s16
	consume 1
else
	fail "the test device records aplay"
	finish
fi

# ---- a dataset of clips ----
D=$TMP/data
mkdir -p "$D/no" "$D/yes"
# Every clip starts and ends with sound, so nothing of it hides in the
# silence the device adds around a stream.
mk() { out=$1 rate=$2 ch=$3 len=$4; shift 4
	sox -D -r "$rate" -c "$ch" -n -b 16 "$out" synth "$len" "$@"; }
mk "$D/no/stereo.flac" 44100 2 1.2 sine 300 pinknoise vol 0.3
mk "$D/yes/a_long.wav" 16000 1 8 sine 220 brownnoise vol 0.3
mk "$D/yes/b_one.wav" 16000 1 1.0 sine 440 whitenoise vol 0.3
mk "$D/yes/c_short.wav" 22050 1 0.7 sine 660 pinknoise vol 0.3
# Rows: no/stereo.flac, yes/a_long.wav, yes/b_one.wav, yes/c_short.wav.

# Wide enough for the whole status line, where "playing" comes late.
tmux_start 200 30 "$WINNOW" "$D"
screen_wait "c_short.wav" || { fail "winnow shows the dataset"; finish; }
# The screen column of the first reverse-video cell on a row of braille.
cursor_column() {
	tmux -L "$TMUX_SOCKET" capture-pane -p -e -t t: | "$PYTHON" -c '
import re, sys
for line in sys.stdin:
    if not any(0x2800 <= ord(c) <= 0x28ff for c in line):
        continue
    col, reverse = 0, False
    for part in re.split(r"(\x1b\[[0-9;]*m)", line.rstrip("\n")):
        if part.startswith("\x1b["):
            codes = part[2:-1].split(";") if part[2:-1] else ["0"]
            for c in codes:
                if c in ("0", ""):
                    reverse = False
                elif c == "7":
                    reverse = True
                elif c == "27":
                    reverse = False
            continue
        for ch in part:
            if reverse:
                print(col)
                sys.exit(0)
            col += 1
'
}
no_chatter() { ! screen | grep -q "ALSA lib\|jack\|PortAudio"; }
go_row() { tmux_keys g; i=1; while [ "$i" -lt "$1" ]; do tmux_keys j; i=$((i + 1)); done; }

# Space plays the selected clip, to its end, exactly.
go_row 3
check "the preview shows b_one.wav" screen_wait "1.00 s"
tmux_keys Space
check "the status line says playing" screen_wait "playing"
if wait_streams 1; then
	expect_eq "b_one.wav plays at its own rate" "$(stream_format 1)" "16000 1 FLOAT_LE"
	check "the device gets b_one.wav sample for sample" compare exact "$(stream 1)" "$D/yes/b_one.wav"
	consume 1
else
	fail "b_one.wav plays"
fi
check "the status line forgets the clip when it ends" screen_gone "playing"

# A stereo 44.1 kHz FLAC, likewise.
go_row 1
tmux_keys Space
if wait_streams 1; then
	expect_eq "stereo.flac plays as 44.1 kHz stereo" "$(stream_format 1)" "44100 2 FLOAT_LE"
	check "the device gets stereo.flac sample for sample" compare exact "$(stream 1)" "$D/no/stereo.flac"
	consume 1
else
	fail "stereo.flac plays"
fi

# Space again stops: the device got a start of the clip, not all of it.
# Meanwhile the cursor (the one reverse-video column of the waveform) moves
# right.
go_row 2
tmux_keys Space
screen_wait "playing" || fail "a_long.wav starts"
cursor_drawn() { first=$(cursor_column); [ -n "$first" ]; }
cursor_right() { second=$(cursor_column); [ "${second:-0}" -gt "$first" ]; }
first= second=
check "the cursor is drawn on the waveform" wait_for cursor_drawn
# A second of the clip (32-bit float, 16 kHz) reaches the device.
check "a second of a_long.wav plays" wait_for played 64000
check "the cursor crosses the waveform (from $first)" wait_for cursor_right
echo "# cursor: column $first, then $second"
tmux_keys Space
check "Space again stops" screen_gone "playing"
if wait_streams 1; then
	check "stopping: the device got the start of a_long.wav only" compare prefix "$(stream 1)" "$D/yes/a_long.wav"
	consume 1
else
	fail "a_long.wav stops"
fi

# Selecting another clip while one plays switches to it.
tmux_keys Space
screen_wait "playing" || fail "a_long.wav starts again"
wait_for played 64000 || fail "a second of a_long.wav plays again"
tmux_keys j
if wait_streams 2; then
	check "switching: a_long.wav is cut short" compare prefix "$(stream 1)" "$D/yes/a_long.wav"
	check "switching: then b_one.wav plays whole" compare exact "$(stream 2)" "$D/yes/b_one.wav"
	consume 2
else
	fail "selecting b_one.wav switches to it"
fi
screen_gone "playing" || fail "b_one.wav ends"

# n: when a clip ends the next one plays, to the end of the list.
tmux_keys n
check "n turns autoplay on" screen_wait "autoplay on"
tmux_keys Space
if wait_streams 2; then
	# The note stays 5 s: look for it before the slow comparisons.
	check "autoplay stops at the end of the list" screen_wait "no clip after this one"
	check "autoplay: b_one.wav plays" compare exact "$(stream 1)" "$D/yes/b_one.wav"
	check "autoplay: then c_short.wav (22.05 kHz)" compare exact "$(stream 2)" "$D/yes/c_short.wav"
	expect_eq "autoplay: c_short.wav at its own rate" "$(stream_format 2)" "22050 1 FLOAT_LE"
	consume 2
else
	fail "autoplay plays the next clip"
	check "autoplay stops at the end of the list" screen_wait "no clip after this one"
fi
sleep 1
expect_eq "autoplay: nothing more plays" "$(new_streams | wc -l)" "0"
check "no sound library message reaches the screen" no_chatter
tmux_keys q
expect_exit "winnow quits, status 0" 0
tmux_stop

# ---- review mode: a decision moves on, and the next clip plays at once ----
tmux_start 200 30 "$WINNOW" "$D"
screen_wait "c_short.wav" || fail "winnow shows the dataset again"
check "the journal is ready" screen_wait "0 decisions"
go_row 3
check "the preview shows b_one.wav" screen_wait "1.00 s"
tmux_keys V
check "V: review mode, counted on the status line" screen_wait "review: 0 reviewed · 2 left"
tmux_keys a
check "a accepts b_one.wav" screen_wait "accepted: yes/b_one.wav"
check "and moves on to c_short.wav" screen_wait "0.70 s"
check "the status line counts one reviewed, one left" screen_wait "review: 1 reviewed · 1 left"
if wait_streams 1; then
	check "review: c_short.wav plays, whole, without Space" compare exact "$(stream 1)" "$D/yes/c_short.wav"
	consume 1
else
	fail "review: the next clip plays"
fi
check "and the pace in clips per hour" screen_wait " clips/h"
tmux_keys a
check "a on the last row: accepted" screen_wait "accepted: yes/c_short.wav"
check "review: nothing left" screen_wait "review: 2 reviewed · 0 left"
sleep 1
expect_eq "review: nothing plays after the last row" "$(new_streams | wc -l)" "0"
tmux_keys V
check "V again: review mode off" screen_wait "review mode off"
check "its counts leave the status line" screen_gone "reviewed"
tmux_keys q
expect_exit "winnow quits after review, status 0" 0
tmux_stop

# ---- a slow sound server, at 80×24: "connecting" until the first sound ----
# The device's file is a FIFO that no one reads yet: opening the stream
# waits there, as for a network server that takes its time to answer.
mkfifo "$TMP/server"
cat >"$HOME/.asoundrc" <<EOF
pcm.!default {
	type file
	slave.pcm "null"
	file "$TMP/server"
	format "raw"
}
EOF
# A server that never answers does not keep winnow from quitting.
tmux_start 80 24 "$WINNOW" "$D"
screen_wait "c_short.wav" || fail "winnow shows the dataset at 80×24"
go_row 3
tmux_keys Space
check "connecting to a server that does not answer" screen_wait "connecting to the sound device…"
tmux_keys q
expect_exit "q still ends winnow, status 0" 0
tmux_stop
tmux_start 80 24 "$WINNOW" "$D"
screen_wait "c_short.wav" || fail "winnow shows the dataset at 80×24"
go_row 2
check "the preview shows a_long.wav" screen_wait "8.00 s"
# connecting_after: Space, then the ms from its delivery to the pane (tmux
# has written it when send-keys returns) until "connecting" is on screen.
connecting_after() {
	tmux_keys Space
	t0=$(date +%s%N)
	while ! screen | grep -qF "connecting to the sound device…"; do
		[ $(( ($(date +%s%N) - t0) / 1000000 )) -gt 5000 ] && break
		sleep 0.02
	done
	echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
ms=$(connecting_after)
check "Space: 'connecting' within 0.3 s ($ms ms)" test "$ms" -le 300
sleep 1
check "still connecting a second on" screen_wait "connecting to the sound device…"
check "... with no clock standing at 0" not_on_screen "playing"
check "... and nothing sent to the server" test ! -e "$OUT/$(printf %03d "$(ls "$OUT" | grep -c '\.fmt$')").raw"
# The server answers: a reader at the device's pace, pace.py as above.
"$PYTHON" "$TMP/pace.py" 16000 1 32 FLOAT_LE "$OUT" <"$TMP/server" &
reader=$!
check "then it plays" screen_wait "playing "
if wait_streams 1; then
	check "and the server gets the clip, exactly" compare exact "$(stream 1)" "$D/yes/a_long.wav"
	consume 1
else
	fail "the stream through the slow server ends"
fi
wait "$reader"
tmux_keys q
expect_exit "winnow quits, status 0" 0
tmux_stop

# ---- no sound device: a clear message, and the rest keeps working ----
rm "$HOME/.asoundrc"
tmux_start 200 30 "$WINNOW" "$D"
screen_wait "c_short.wav" || fail "winnow starts without a sound device"
go_row 3
tmux_keys Space
check "Space says there is no sound device" screen_wait "no sound device"
tmux_keys j
check "the preview still follows the selection" screen_wait "0.70 s"
check "no sound library message reaches the screen" no_chatter
tmux_keys q
expect_exit "winnow quits without a sound device, status 0" 0
expect_eq "no stream was opened without a device" "$(new_streams | wc -l)" "0"

finish
