#!/bin/sh
# graphics.sh — real pixels seen on real terminals. The real browser runs
# in xterm (sixel), kitty (kitty graphics), mlterm (iTerm2 images) and tmux
# inside xterm, on a private X server (Xvfb); screenshots of the window are
# read pixel by pixel: the picture shows the file's own colours, which no
# character cell can show, as solid rectangles larger than a cell, with a
# split where the file has it, inside the preview pane and centred; the old
# picture is gone when the selection moves; a resized window gets a picture
# that fits the new pane; after q nothing is left on the screen, the
# terminal is restored and no process is left. Where winnow draws cells
# (xterm as TERM=xterm, tmux by default) the picture is cells: the palette's
# colours on the cell grid, and no pixel of the file's own colours.
#
# GRAPHICS_SHOTS=DIR keeps the screenshots (PNG) in DIR.
. "${top_srcdir:-.}/tests/lib.sh"
need Xvfb xterm xwd xwininfo xdotool tmux
[ -x /usr/bin/convert ] || skip "ImageMagick is not installed"
$PYTHON -c 'import numpy' 2>/dev/null || skip "numpy is not installed"

SHOTS=${GRAPHICS_SHOTS:-$TMP/shots}
mkdir -p "$SHOTS"

# The fixtures' colours are far from every colour of xterm's palette (look.py
# makes sure), so only real pixels show them.
C=e6961e        # 1-wide.png, one colour, twice as wide as high
A=c83c78        # 2-split.png, left 25 of 65 columns
B=28aa6e        # 2-split.png, the rest
ds=$TMP/ds
mkdir -p "$ds/a"
/usr/bin/convert -size 96x48 "xc:#$C" "$ds/a/1-wide.png"
/usr/bin/convert -size 25x64 "xc:#$A" -size 40x64 "xc:#$B" +append "$ds/a/2-split.png"
# Red and blue, which cells show exactly.
/usr/bin/convert -size 32x64 xc:red xc:blue +append "$ds/a/3-redblue.png"
printf 'a line of text\n' >"$ds/a/4-notes.txt"
total=4
SPLIT=$(awk 'BEGIN { printf "%.4f", 25 / 65 }')
for p in sixel iterm; do
	mkdir -p "$TMP/cfg-$p/winnow"
	printf 'pixels: %s\n' "$p" >"$TMP/cfg-$p/winnow/config.yaml"
done

cat >"$TMP/look.py" <<'EOF'
import sys

import numpy as np

# look.py SHOT.ppm CW CH COL ROW COLS ROWS WHAT [COLOURS [FRAC]] [ABSENT]
#   The screenshot of a terminal window whose cells are CW x CH pixels from
#   its top left; the picture's area is COLS x ROWS cells from cell COL, ROW.
#   WHAT: pixels  the picture in real pixels, in COLOURS (RRGGBB, or two
#                 joined by '|', left and right of a split at FRAC of the
#                 width);
#         cells   the picture in character cells of the palette's COLOURS
#                 ('-': of any of the palette's colours);
#         none    no picture; COLOURS ('-' for none) are somewhere on screen.
#   ABSENT: colours (joined by ',') nowhere in the window.
# Prints what it saw; exits 1 when it is not what was asked.


def rgb(h):
    return np.array([int(h[i:i + 2], 16) for i in (0, 2, 4)])


def hexc(c):
    return "%02x%02x%02x" % tuple(c)


def read_ppm(path):
    data = open(path, "rb").read()
    fields, pos = [], 0
    while len(fields) < 4:
        while data[pos:pos + 1].isspace():
            pos += 1
        if data[pos:pos + 1] == b"#":
            pos = data.index(b"\n", pos)
            continue
        end = pos
        while not data[end:end + 1].isspace():
            end += 1
        fields.append(data[pos:end])
        pos = end
    if fields[0] != b"P6" or fields[3] != b"255":
        raise SystemExit("not an 8-bit PPM: %r" % fields)
    w, h = int(fields[1]), int(fields[2])
    px = np.frombuffer(data[pos + 1:pos + 1 + w * h * 3], np.uint8)
    return px.reshape(h, w, 3).astype(int)


def palette():
    """xterm's 256 colours: a picture in cells can show only these."""
    base = ["000000", "cd0000", "00cd00", "cdcd00", "0000ee", "cd00cd", "00cdcd",
            "e5e5e5", "7f7f7f", "ff0000", "00ff00", "ffff00", "5c5cff", "ff00ff",
            "00ffff", "ffffff"]
    lv = [0, 95, 135, 175, 215, 255]
    return np.array([rgb(c) for c in base] +
                    [[r, g, b] for r in lv for g in lv for b in lv] +
                    [[8 + 10 * i] * 3 for i in range(24)])


def mask(img, colour, tol):
    return (np.abs(img - colour) <= tol).all(axis=2)


def bbox(m):
    ys, xs = np.nonzero(m)
    return xs.min(), ys.min(), xs.max(), ys.max()


def cells_any(img, cw, ch, ax0, ay0, ax1, ay1, problems):
    """A picture in cells of any of the palette's colours: what differs from
    the background (the commonest colour round the area's edge) lies on the
    cell grid, and is all palette colours."""
    area = img[ay0:ay1 + 1, ax0:ax1 + 1]
    edge = np.concatenate([area[0], area[-1], area[:, 0], area[:, -1]])
    keys, counts = np.unique(edge, axis=0, return_counts=True)
    bg = keys[counts.argmax()]
    m = ~mask(area, bg, 0)
    if m.sum() < 4 * cw * ch:
        problems.append("no picture in the area")
        return
    x0, y0, x1, y1 = bbox(m)
    X0, Y0, X1, Y1 = x0 + ax0, y0 + ay0, x1 + ax0, y1 + ay0
    print("cells: x %d-%d, y %d-%d on a background of %s" % (X0, X1, Y0, Y1, hexc(bg)))
    if (X0 % cw, (X1 + 1) % cw, Y0 % ch, (Y1 + 1) % ch) != (0, 0, 0, 0):
        problems.append("cells: the picture's edges are off the cell grid")
    # The font's smoothed edges of block symbols aside.
    seen, counts = np.unique(area[y0:y1 + 1, x0:x1 + 1].reshape(-1, 3), axis=0,
                             return_counts=True)
    pal = palette()
    off = np.abs(seen[:, None, :] - pal[None, :, :]).max(axis=2).min(axis=1) > 2
    if counts[off].sum() > 0.05 * counts.sum():
        problems.append("cells: %d of %d pixels not of the palette"
                        % (counts[off].sum(), counts.sum()))


def main():
    shot, what = sys.argv[1], sys.argv[8]
    cw, ch, col, row, cols, rows = map(int, sys.argv[2:8])
    rest = sys.argv[9:]
    img = read_ppm(shot)
    colours = []
    if rest and rest[0] != "-":
        colours = [rgb(c) for c in rest[0].split("|")]
    rest = rest[1:]
    frac = float(rest.pop(0)) if len(colours) == 2 and what != "none" else None
    absent = [rgb(c) for c in rest[0].split(",")] if rest else []
    ax0, ay0 = col * cw, row * ch
    ax1, ay1 = ax0 + cols * cw - 1, ay0 + rows * ch - 1
    problems = []

    for c in absent:
        m = mask(img, c, 4)
        if m.any():
            x0, y0, x1, y1 = bbox(m)
            problems.append("%s on screen: %d pixels in x %d-%d, y %d-%d"
                            % (hexc(c), m.sum(), x0, x1, y0, y1))
    if what == "none":
        for c in colours:
            if not mask(img, c, 2).any():
                problems.append("no %s on screen" % hexc(c))
        colours = []
    if what == "pixels":
        pal = palette()
        for c in colours:
            assert np.abs(pal - c).max(axis=1).min() > 12, "a fixture colour near the palette"
    if what == "cells" and not colours:
        cells_any(img, cw, ch, ax0, ay0, ax1, ay1, problems)

    boxes = []
    tol = 4 if what == "pixels" else 2
    for c in colours:
        m = mask(img, c, tol)
        n = int(m.sum())
        if n == 0:
            problems.append("no %s on screen" % hexc(c))
            continue
        x0, y0, x1, y1 = bbox(m)
        area = (x1 - x0 + 1) * (y1 - y0 + 1)
        boxes.append((x0, y0, x1, y1))
        print("%s: x %d-%d, y %d-%d, %d pixels of a box of %d"
              % (hexc(c), x0, x1, y0, y1, n, area))
        # Kitty blends a picture's outer rows into the background when it
        # scales it; another picture's remains would make the box far larger.
        if n < area * 0.98:
            problems.append("%s is not one solid rectangle (%d of %d pixels): "
                            "part of another picture left?" % (hexc(c), n, area))
        if x1 - x0 + 1 < 2 * cw or y1 - y0 + 1 < 2 * ch:
            problems.append("%s is smaller than 2x2 cells" % hexc(c))
    if boxes and len(boxes) == len(colours):
        X0, Y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        X1, Y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        W, H = X1 - X0 + 1, Y1 - Y0 + 1
        print("picture x %d-%d, y %d-%d (%dx%d); the area x %d-%d, y %d-%d"
              % (X0, X1, Y0, Y1, W, H, ax0, ax1, ay0, ay1))
        if X0 < ax0 or Y0 < ay0 or X1 > ax1 or Y1 > ay1:
            problems.append("the picture is not inside the preview's area")
        if cols * cw - W > cw + 1 and rows * ch - H > ch + 6:
            problems.append("the picture fills the area neither across nor down")
        if abs((X0 - ax0) - (ax1 - X1)) > cw + 2:
            problems.append("not centred across: %d and %d pixels each side"
                            % (X0 - ax0, ax1 - X1))
        if abs((Y0 - ay0) - (ay1 - Y1)) > ch + 8:
            problems.append("not centred down: %d and %d pixels each side"
                            % (Y0 - ay0, ay1 - Y1))
        if what == "cells":
            if (X0 % cw, (X1 + 1) % cw, Y0 % ch, (Y1 + 1) % ch) != (0, 0, 0, 0):
                problems.append("cells: the picture's edges are off the cell grid")
            # Other colours only in the columns of cells at the split, where
            # a symbol shows both sides or a colour between them.
            box = img[Y0:Y1 + 1, X0:X1 + 1]
            known = np.zeros(box.shape[:2], bool)
            for c in colours:
                known |= mask(box, c, tol)
            if not known.all():
                xs = np.nonzero(~known)[1]
                if xs.max() - xs.min() + 1 > 2 * cw or len(colours) < 2:
                    problems.append("cells: other colours in the picture, in x %d-%d"
                                    % (xs.min() + X0, xs.max() + X0))
        if frac is not None:
            (l0, ly0, l1, ly1), (r0, ry0, r1, ry1) = boxes
            edge, want = (l1 + 1 + r0) / 2, X0 + frac * W
            print("split: the left colour ends at x %d, the right starts at %d; "
                  "the edge at %.1f, the file's at %.1f" % (l1, r0, edge, want))
            if not (l1 < r0 and r0 - l1 - 1 <= (2 * cw if what == "cells" else max(8, cw))):
                problems.append("the two colours are not side by side")
            if abs(ly0 - ry0) > 1 or abs(ly1 - ry1) > 1:
                problems.append("the two sides are not the same height")
            if abs(edge - want) > 3 + 0.02 * W + (cw if what == "cells" else 0):
                problems.append("the split is at %.1f, not %.1f" % (edge, want))
    for p in problems:
        print("problem: " + p)
    sys.exit(1 if problems else 0)


main()
EOF

# The picture's area ("COL ROW COLS ROWS", cells) from a screen's text: the
# preview pane's inside less its two lines of facts.
cat >"$TMP/layout.py" <<'EOF'
import sys
lines = sys.stdin.read().split("\n")
top = next(i for i, l in enumerate(lines) if "┬" in l)
bottom = next(i for i, l in enumerate(lines) if i > top and "┴" in l)
left, right = lines[top].index("┬"), lines[top].index("┐")
h = bottom - top - 1
print(left + 1 + int(sys.argv[1]), top + 1 + int(sys.argv[2]), right - left - 1,
      h - 2 if h > 3 else h)
EOF

# layout COLS ROWS: sets AREA to the picture's area at that size, read off
# the screen of the same browser in the test's tmux (the layout depends on
# the size alone).
layout() {
	AREA=
	tmux_start "$1" "$2" "$WINNOW" "$ds"
	screen_wait " 1/$total " >/dev/null && AREA=$(screen | $PYTHON "$TMP/layout.py" 0 0)
	tmux_keys q
	wait_exit
	tmux_stop
}

# ---- a private X server ----
XVFB_PID= TERM_PID= TERM_NAME= WIN=
stop_terminal() {
	[ -n "$TERM_PID" ] || return 0
	[ "$TERM_NAME" = tmux ] && tmux -L "$TMUX_SOCKET-x" kill-server 2>/dev/null
	kill "$TERM_PID" 2>/dev/null
	wait "$TERM_PID" 2>/dev/null
	TERM_PID=
}
graphics_cleanup() {
	status=$?
	stop_terminal
	if [ -n "$XVFB_PID" ]; then
		kill "$XVFB_PID" 2>/dev/null
		wait "$XVFB_PID" 2>/dev/null
	fi
	(exit $status)
	cleanup
}
trap graphics_cleanup EXIT

Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$TMP/display" \
	>"$TMP/xvfb.log" 2>&1 &
XVFB_PID=$!
wait_for test -s "$TMP/display" || { cat "$TMP/xvfb.log"; exit 1; }
DISPLAY=:$(cat "$TMP/display")
export DISPLAY
unset WAYLAND_DISPLAY
# kitty needs OpenGL: Mesa's software renderer.
export LIBGL_ALWAYS_SOFTWARE=1

# In the terminal, COMMAND runs through term-run, which writes to DIR the
# tty's size, COMMAND's pid, its stderr, its exit status and the tty's modes
# after it; then it waits, so that the window stays for a last look.
cat >"$TMP/term-run" <<'EOF'
dir=$1
shift
mkdir -p "$dir"
stty size >"$dir/size.new" && mv "$dir/size.new" "$dir/size"
# Something on the normal screen, to see it again once the program is gone.
printf '\033[48;5;22m%20s\033[0m\n' ''
sh -c 'echo $$ >"$0/pid"; exec "$@"' "$dir" "$@" 2>"$dir/stderr"
status=$?
stty -a >"$dir/stty" 2>/dev/null
echo "$status" >"$dir/status.new" && mv -f "$dir/status.new" "$dir/status"
exec sleep 300
EOF
MARK=005f00     # colour 22, as term-run prints it

# term_start NAME COLSxROWS DIR COMMAND...: COMMAND in a new terminal window
# of about that size: NAME is xterm (with sixel, as a VT340), xterm8 (the
# same as TERM=xterm), tmux (xterm, for tmux), kitty or mlterm. Sets WIN,
# CW and CH (a cell's pixels), COLS and ROWS.
term_start() {
	TERM_NAME=$1 geom=$2 run=$3
	shift 3
	rm -rf "$run"
	case $TERM_NAME in
	xterm*|tmux)
		tn=xterm-256color
		[ "$TERM_NAME" = xterm8 ] && tn=xterm
		xterm -bw 0 -b 0 -ti vt340 -tn "$tn" -xrm 'XTerm*numColorRegisters: 256' \
			-fa 'DejaVu Sans Mono' -fs 10 -geometry "$geom+0+0" \
			-e sh "$TMP/term-run" "$run" "$@" >"$TMP/$TERM_NAME.log" 2>&1 &
		class=xterm ;;
	kitty)
		kitty --config NONE -o font_family='DejaVu Sans Mono' -o font_size=10 \
			-o remember_window_size=no -o initial_window_width="${geom%x*}c" \
			-o initial_window_height="${geom#*x}c" \
			sh "$TMP/term-run" "$run" "$@" >"$TMP/$TERM_NAME.log" 2>&1 &
		class=kitty ;;
	mlterm)
		mlterm --border=0 --sb=false -g "$geom+0+0" \
			-e sh "$TMP/term-run" "$run" "$@" >"$TMP/$TERM_NAME.log" 2>&1 &
		class=mlterm ;;
	esac
	TERM_PID=$!
	if ! wait_for test -s "$run/size" ||
		! wait_for xdotool search --onlyvisible --class "$class" >/dev/null; then
		sed 's/^/#   /' "$TMP/$TERM_NAME.log"
		return 1
	fi
	WIN=$(xdotool search --onlyvisible --class "$class" | head -1)
	read -r ROWS COLS <"$run/size"
	set -- $(xwininfo -id "$WIN" | awk '/Width:/ { w = $2 } /Height:/ { h = $2 } END { print w, h }')
	CW=$(($1 / COLS)) CH=$(($2 / ROWS))
	echo "# $TERM_NAME: ${COLS}x$ROWS cells of ${CW}x$CH pixels"
}
# keys KEY...: typed into the terminal's window.
keys() {
	timeout 10 xdotool windowfocus --sync "$WIN" && xdotool key --delay 20 "$@"
}
# see NAME AREA WHAT ...: wait until the window shows it (look.py's
# arguments after the cell size), and keep the screenshot as NAME.png.
# SEE_DO: a command run before each look (keys that may come too early for a
# program still starting, and do no harm when repeated).
see() {
	name=$1 area=$2
	shift 2
	end=$(( $(date +%s) + WAIT_SECONDS ))
	while :; do
		[ -z "${SEE_DO:-}" ] || eval "$SEE_DO"
		xwd -id "$WIN" -silent 2>/dev/null | /usr/bin/convert xwd:- ppm:"$TMP/shot.ppm" 2>/dev/null &&
			$PYTHON "$TMP/look.py" "$TMP/shot.ppm" "$CW" "$CH" $area "$@" >"$TMP/look.out" 2>&1 &&
			{ seen=1; break; }
		[ "$(date +%s)" -le "$end" ] || { seen=0; break; }
		sleep 0.2
	done
	SEE_DO=
	/usr/bin/convert "$TMP/shot.ppm" "$SHOTS/$name.png" 2>/dev/null
	if [ "$seen" = 1 ]; then
		pass "$name"
	else
		fail "$name (screenshot $SHOTS/$name.png)"
	fi
	sed 's/^/#   /' "$TMP/look.out"
}
# quits DIR NAME: the program that term-run ran ended with status 0, its
# terminal echoes and is canonical again, and the process is gone.
quits() {
	if wait_for test -f "$1/status"; then
		expect_eq "$2: q quits, status 0" "$(cat "$1/status")" 0
		check "$2: the terminal echoes again" grep -qE '(^| )echo( |$)' "$1/stty"
		check "$2: canonical mode again" grep -qE '(^| )icanon( |$)' "$1/stty"
		check "$2: no process left" sh -c "! kill -0 $(cat "$1/pid") 2>/dev/null"
	else
		fail "$2: q quits (still running)"
	fi
	if grep -q "$SANITIZER_REPORT" "$1/stderr"; then
		fail "$2: a sanitizer report"
		grep "$SANITIZER_REPORT" "$1/stderr" | head -5 | sed 's/^/#   /'
	fi
}
# Leftovers of any picture, and of the red and blue one in 256 colours.
ALL=$A,$B,$C,ff0000,0000ff

layout 84 26
SMALL=$AREA
layout 100 30
echo "# the picture's area (cells): $AREA at 100x30, $SMALL at 84x26"
[ -n "$AREA" ] && [ -n "$SMALL" ] || { fail "the layout at 100x30 and 84x26"; finish; }

# ---- xterm, sixel ----
run=$TMP/run-xterm
term_start xterm 100x30 "$run" env XDG_CONFIG_HOME="$TMP/cfg-sixel" "$WINNOW" "$ds" ||
	{ fail "xterm starts"; finish; }
see xterm-1-wide "$AREA" pixels $C
keys j
see xterm-2-split "$AREA" pixels "$A|$B" "$SPLIT" $C
keys j j
see xterm-3-text "$AREA" none - $ALL
keys k k
see xterm-4-split-again "$AREA" pixels "$A|$B" "$SPLIT" $C,ff0000,0000ff
xdotool windowsize "$WIN" $((84 * CW)) $((26 * CH))
see xterm-5-resized "$SMALL" pixels "$A|$B" "$SPLIT" $C
keys q
see xterm-6-quit "$AREA" none $MARK $ALL
quits "$run" xterm
stop_terminal

# ---- xterm as TERM=xterm: sixel unknown, 8 colours: cells ----
run=$TMP/run-xterm8
term_start xterm8 100x30 "$run" "$WINNOW" "$ds" || { fail "xterm starts"; finish; }
SEE_DO="keys g j j"
see xterm8-1-cells "$AREA" cells "cd0000|0000ee" 0.5
keys j
see xterm8-2-text "$AREA" none - cd0000,0000ee
keys g j
see xterm8-3-split-in-cells "$AREA" cells - $A,$B
keys q
quits "$run" xterm8
stop_terminal

# ---- tmux in xterm, in a pane right of another ----
run=$TMP/run-tmux
printf 'set -g status off\n' >"$TMP/tmux-x.conf"
tx() { tmux -L "$TMUX_SOCKET-x" "$@"; }
term_start tmux 120x30 "$run" tmux -L "$TMUX_SOCKET-x" -f "$TMP/tmux-x.conf" \
	new-session "exec cat" \; \
	split-window -h -l 100 "sh '$TMP/term-run' '$run/cells' '$WINNOW' '$ds'" ||
	{ fail "tmux in xterm starts"; finish; }
# tmux_area DIR: sets PANE, and TAREA to the picture's area in the window.
tmux_area() {
	TAREA=
	wait_for test -s "$1/size" || return 1
	set -- $(tx list-panes -F '#{pane_left} #{pane_top} #{pane_id}' | sort -n | tail -1)
	PANE=$3
	wait_for sh -c "tmux -L '$TMUX_SOCKET-x' capture-pane -p -t '$PANE' | grep -qF ' 1/$total '" &&
		TAREA=$(tx capture-pane -p -t "$PANE" | $PYTHON "$TMP/layout.py" "$1" "$2")
	echo "# the picture's area in tmux: $TAREA"
}
tmux_area "$run/cells"
# By default cells: tmux passes pictures on only when told to.
tx send-keys -t "$PANE" j j
see tmux-1-cells "$TAREA" cells "ff0000|0000ff" 0.5
tx send-keys -t "$PANE" j
see tmux-2-text "$TAREA" none - $ALL
tx send-keys -t "$PANE" g j
see tmux-3-split-in-cells "$TAREA" cells - $A,$B
tx send-keys -t "$PANE" q
quits "$run/cells" "tmux, cells"
# Asked for sixel, with tmux's passthrough on: pixels, in the pane.
tx set -g allow-passthrough on
tx respawn-pane -k -t "$PANE" "sh '$TMP/term-run' '$run/sixel' env XDG_CONFIG_HOME='$TMP/cfg-sixel' '$WINNOW' '$ds'"
tmux_area "$run/sixel"
see tmux-4-wide "$TAREA" pixels $C
tx send-keys -t "$PANE" j
see tmux-5-split "$TAREA" pixels "$A|$B" "$SPLIT" $C
tx send-keys -t "$PANE" q
see tmux-6-quit "$TAREA" none - $ALL
quits "$run/sixel" "tmux, sixel"
stop_terminal

# ---- kitty: its own graphics, known to libchafa's terminal database ----
if command -v kitty >/dev/null; then
	run=$TMP/run-kitty
	if term_start kitty 100x30 "$run" "$WINNOW" "$ds"; then
		see kitty-1-wide "$AREA" pixels $C
		keys j
		see kitty-2-split "$AREA" pixels "$A|$B" "$SPLIT" $C
		xdotool windowsize "$WIN" $((84 * CW)) $((26 * CH))
		see kitty-3-resized "$SMALL" pixels "$A|$B" "$SPLIT" $C
		keys q
		see kitty-4-quit "$AREA" none $MARK $ALL
		quits "$run" kitty
	else
		fail "kitty starts"
	fi
	stop_terminal
else
	echo "# kitty is not installed: its graphics are not tried"
fi

# ---- mlterm: iTerm2 images, asked for ----
if command -v mlterm >/dev/null; then
	run=$TMP/run-mlterm
	if term_start mlterm 100x30 "$run" env XDG_CONFIG_HOME="$TMP/cfg-iterm" "$WINNOW" "$ds"; then
		see mlterm-1-wide "$AREA" pixels $C
		keys j
		see mlterm-2-split "$AREA" pixels "$A|$B" "$SPLIT" $C
		keys j j
		see mlterm-3-text "$AREA" none - $ALL
		keys q
		quits "$run" mlterm
	else
		fail "mlterm starts"
	fi
	stop_terminal
else
	echo "# mlterm is not installed: iTerm2 images are not tried"
fi
finish
