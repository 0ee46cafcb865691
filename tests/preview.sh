#!/bin/sh
# preview.sh — the preview pane in the real browser: thumbnails in the right
# colours, the facts line, warnings for a name that lies and for damage,
# clear errors for broken and hostile images, text with its odd bytes
# escaped, details with `v`, NO_COLOR, and real pixels (sixel, kitty) sent
# through tmux's passthrough when asked for. Nothing may crash.
. "${top_srcdir:-.}/tests/lib.sh"
need tmux
[ -x /usr/bin/convert ] || skip "ImageMagick is not installed"

ds=$TMP/ds
mkdir -p "$ds/a" "$ds/b" "$ds/c" "$ds/d"
# a/: good pictures, one per format, made by real encoders.
/usr/bin/convert -size 64x48 xc:red "$ds/a/1-red.png"
/usr/bin/convert -size 32x64 xc:red xc:blue +append -quality 95 "$ds/a/2-split.jpg"
/usr/bin/convert -size 64x64 xc:lime "$ds/a/3-green.webp"
/usr/bin/convert -size 64x64 -delay 10 xc:blue xc:red "$ds/a/4-anim.gif"
/usr/bin/convert -size 64x64 xc:blue "$ds/a/5-blue.bmp"
/usr/bin/convert -size 40x30 xc:gray50 "$ds/a/6-grey.ppm"
# b/: broken and hostile ones.
/usr/bin/convert -size 300x200 xc: +noise Random "$TMP/noise.png"
head -c 20000 "$TMP/noise.png" >"$ds/b/1-cut.png"
/usr/bin/convert -size 300x200 xc: +noise Random -quality 90 "$TMP/noise.jpg"
head -c 300 "$TMP/noise.jpg" >"$ds/b/2-cut.jpg"
: >"$ds/b/3-empty.png"
head -c 400 /dev/urandom | tr -d '\377\211GRBP' >"$ds/b/4-garbage.jpg"
cp "$ds/a/1-red.png" "$ds/b/5-really-png.jpg"
# A PNG that declares 30000×30000 pixels: refused before any is decoded.
$PYTHON - "$ds/b/6-bomb.png" <<'EOF'
import struct, sys, zlib
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
ihdr = struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0)
idat = zlib.compress(bytes(30001) * 4)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
    chunk(b"IDAT", idat) + chunk(b"IEND", b""))
EOF
# c/: text.
printf 'first line\n\tindented\nbell \007 here\n' >"$ds/c/1-notes.txt"
printf 'caf\351 latin-1\n' >"$ds/c/2-latin1.txt"
# d/: a clip, and one cut inside its header (drawn by audio-view).
if command -v sox >/dev/null; then
	sox -q -n -r 16000 -c 1 -b 16 "$ds/d/1-tone.wav" synth 1 sine 440 vol 0.5
	head -c 30 "$ds/d/1-tone.wav" >"$ds/d/2-cut.wav"
	clips=2
else
	clips=0
fi

# The preview pane's rows: the text between the second and third bars, to
# the pane's foot (without predictions the confusion pane is one line, and
# the preview takes the rows it gave up).
preview() { screen | sed -n '2,$p' | awk -F'│' '{print $3}'; }
# Go to row N (1-based) of the file pane.
row() {
	tmux_keys g
	i=1
	while [ "$i" -lt "$1" ]; do tmux_keys j; i=$((i + 1)); done
	screen_wait " $1/$total " >/dev/null
}
# Row N of the preview pane has nothing but spaces.
blank_row() { ! preview | sed -n "${1}p" | grep -q '[^ ]'; }
in_preview() {
	end=$(( $(date +%s) + WAIT_SECONDS ))
	while [ "$(date +%s)" -le "$end" ]; do
		preview | grep -qF -- "$1" && return 0
		sleep 0.05
	done
	echo "# timed out waiting for '$1' in the preview; it was:" >&2
	preview | sed 's/^/#   /' >&2
	return 1
}
# Screen row N, with its colours, matches the regular expression RE. Used
# through wait_for: a picture may be drawn a frame after its facts.
row_has() { tmux -L "$TMUX_SOCKET" capture-pane -e -p -t t: | sed -n "${1}p" | grep -q -- "$2"; }
# Screen row N has cells of background colour A and, right of them, B.
row_has_then() {
	line=$(tmux -L "$TMUX_SOCKET" capture-pane -e -p -t t: | sed -n "${1}p")
	case $line in *"$2"*"$3"*) return 0 ;; esac
	return 1
}
total=$((14 + clips))

# ---- cells, 256 colours ----
tmux_start 110 30 env TERM=tmux-256color "$WINNOW" "$ds"
check "the browser starts" screen_wait " 1/$total "
check "png: facts" in_preview "png · 64×48 · "
# The picture's cells: red backgrounds (colour 196) on a row in its middle.
check "png: red cells" wait_for row_has 8 '48;5;196m'

row 2
check "jpeg: facts" in_preview "jpeg · 64×64 · "
check "jpeg split: red cells on the left" wait_for row_has 10 '48;5;196m'
check "jpeg split: blue cells right of the red ones" wait_for row_has_then 10 '48;5;196m' '48;5;21m'
row 3
check "webp: facts" in_preview "webp · 64×64 · "
check "webp: green cells" wait_for row_has 10 '48;5;46m'
row 4
check "gif: facts" in_preview "gif · 64×64 · "
check "gif: the first frame (blue)" wait_for row_has 10 '48;5;21m'
row 5
check "bmp: facts" in_preview "bmp · 64×64 · "
row 6
check "pnm: facts" in_preview "pnm · 40×30 · "

# ---- broken pictures: the pane says why ----
row 7
check "cut png: shown in part, and says so" in_preview "truncated: the PNG data ends early"
check "cut png: facts still there" in_preview "png · 300×200 · 20 kB"
row 8
check "cut jpeg: says why" in_preview "JPEG"
row 9
check "empty file: says so" in_preview "empty file (0 bytes)"
row 10
check "garbage named .jpg: says so" in_preview "not a valid jpeg file"
check "garbage: its first bytes are shown, escaped" in_preview '\x'
row 11
check "png named .jpg: shown" in_preview "png · 64×48 · "
check "png named .jpg: the warning" in_preview "named .jpg, but the content is png"
row 12
check "30000×30000 png: refused" in_preview "too large: 30000×30000"
check "30000×30000 png: its facts" in_preview "png · 30000×30000 · "

# ---- text ----
row 13
check "text: its lines" in_preview "first line"
check "text: tabs become spaces" in_preview "        indented"
check "text: control bytes escaped" in_preview 'bell \x07 here'
check "text: facts" in_preview "text · 33 B · not plain text"
row 14
check "latin-1 text: the odd byte escaped" in_preview 'caf\xe9 latin-1'

# ---- clips: audio-view draws them, v switches to the spectrogram ----
if [ "$clips" -gt 0 ]; then
	row 15
	check "clip: its facts" in_preview "1.00 s"
	tmux_keys v
	check "v on a clip: the spectrogram" screen_wait "preview: spectrogram"
	tmux_keys v
	check "v again: the waveform" screen_wait "preview: waveform"
	row 16
	check "a cut clip: says why" in_preview "cannot show this clip"
fi

# ---- details with v, back with v ----
row 2
tmux_keys v
check "v: details" in_preview "pixels    64×64"
check "details: the file size" in_preview "file      "
tmux_keys v
check "v again: the thumbnail" in_preview "jpeg · 64×64 · "

# ---- moving fast: every selection ends up shown ----
tmux_keys g j j j j j j j j j j j
check "after a fast run, the selection's preview" in_preview "30000×30000"
tmux_keys k k k k k k k k k k k
check "and back" in_preview "png · 64×48 · "

# ---- resize: the thumbnail is redone for the new size ----
tmux_resize 90 26
check "after a resize: still shown" in_preview "png · 64×48 · "
tmux_resize 110 30
running() { case "$(pane_dead)" in 0*) return 0 ;; esac; return 1; }
check "still running" running
tmux_keys q
expect_exit "q quits, status 0" 0
tmux_stop

# ---- NO_COLOR: symbols only ----
tmux_start 110 30 env TERM=tmux-256color NO_COLOR=1 "$WINNOW" "$ds"
check "NO_COLOR: starts" screen_wait " 1/$total "
tmux_keys j
check "NO_COLOR: facts" in_preview "jpeg · 64×64 · "
check "NO_COLOR: no colours on screen" sh -c "! tmux -L '$TMUX_SOCKET' capture-pane -e -p -t t: | grep -q '48;5;'"
tmux_stop

# ---- true colour, through a terminfo entry with direct colour ----
if command -v tic >/dev/null; then
	cat >"$TMP/direct.ti" <<'EOF'
tmux-direct-test|tmux with direct colour,
	colors#0x1000000, pairs#0x10000, RGB,
	setaf=\E[%?%p1%{8}%<%t3%p1%d%e38:2::%p1%{65536}%/%d:%p1%{256}%/%{255}%&%d:%p1%{255}%&%d%;m,
	setab=\E[%?%p1%{8}%<%t4%p1%d%e48:2::%p1%{65536}%/%d:%p1%{256}%/%{255}%&%d:%p1%{255}%&%d%;m,
	use=tmux-256color,
EOF
	tic -x -o "$TMP/terminfo" "$TMP/direct.ti"
	tmux_start 110 30 env TERMINFO="$TMP/terminfo" TERM=tmux-direct-test \
		COLORTERM=truecolor "$WINNOW" "$ds"
	check "true colour: starts" screen_wait " 1/$total "
	check "true colour: facts" in_preview "png · 64×48 · "
	check "true colour: red cells as RGB" wait_for row_has 8 '48;2;255;0;0m'
	row 3
	check "true colour: webp" in_preview "webp · 64×64 · "
	check "true colour: webp green as RGB" wait_for row_has 10 '48;2;[0-3]\?[0-9];2[3-5][0-9];[0-3]\?[0-9]m'
	tmux_stop
fi

# ---- real pixels through tmux's passthrough, when asked for ----
for proto in sixel kitty; do
	mkdir -p "$XDG_CONFIG_HOME/winnow"
	printf 'pixels: %s\n' "$proto" >"$XDG_CONFIG_HOME/winnow/config.yaml"
	: >"$TMP/raw"
	tmux_start 110 30 env TERM=tmux-256color "$WINNOW" "$ds"
	tmux -L "$TMUX_SOCKET" pipe-pane -o -t t: "cat >>'$TMP/raw'"
	check "$proto: starts" screen_wait " 1/$total "
	tmux_keys j
	check "$proto: facts under the picture" in_preview "jpeg · 64×64 · "
	tmux_keys j k
	check "$proto: back on the jpeg" in_preview "jpeg · 64×64 · "
	check "$proto: the picture's cells are left blank" wait_for blank_row 8
	# One passthrough sequence: the cursor movement, then the picture.
	case $proto in
	sixel) want='H\033\033P0;1;0q' ;;
	kitty) want='H\033\033_Ga=T' ;;
	esac
	check "$proto: the picture went out in tmux's passthrough" \
		wait_for grep -qF "$(printf "$want")" "$TMP/raw"
	check "$proto: placed inside the same passthrough" \
		grep -qF "$(printf 'Ptmux;\033\0337\033\033[')" "$TMP/raw"
	tmux_keys q
	expect_exit "$proto: q quits, status 0" 0
	tmux_stop
done
rm -f "$XDG_CONFIG_HOME/winnow/config.yaml"

# ---- a bad setting is reported, not fatal ----
printf 'pixels: holographic\n' >"$XDG_CONFIG_HOME/winnow/config.yaml"
tmux_start 110 30 env TERM=tmux-256color "$WINNOW" "$ds"
check "a bad pixels setting is named" screen_wait "holographic"
tmux_stop
rm -f "$XDG_CONFIG_HOME/winnow/config.yaml"

# (Sound libraries' chatter is playback.sh's business.)
check "no error or sanitizer report on stderr" \
	sh -c "! grep -E 'winnow:|Sanitizer|runtime error' '$TMP/stderr'"
finish
