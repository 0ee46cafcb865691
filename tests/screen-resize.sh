#!/bin/sh
# screen-resize.sh — the layout at 80×24, 120×40 and back, the "too small"
# message below 80×24, the selection kept across resizes, and the ASCII
# frame and escaped names when the locale is not UTF-8.
. "${top_srcdir:-.}/tests/lib.sh"
need tmux sox

ds=$TMP/ds
mkdir -p "$ds/left" "$ds/right"
i=0
while [ $i -lt 30 ]; do
	sox -q -n -r 8000 -c 1 -b 16 "$ds/left/clip_$(printf %02d $i).wav" synth 0.2 sine $((200 + 10 * i))
	i=$((i + 1))
done
cp "$ds/left/clip_00.wav" "$(printf '%s/right/bad\377name\001.wav' "$ds")"
/usr/bin/convert -size 16x16 xc:green "$ds/right/green.png"

# The layout is whole: top border with both pane names, the bottom pane's
# border, the status line last, every line the full width.
layout_ok() {
	cols=$1 rows=$2
	s=$(screen)
	top=$(echo "$s" | sed -n 1p)
	last=$(echo "$s" | sed -n "${rows}p")
	mid=$(echo "$s" | grep -n '^├ confusion' | cut -d: -f1)
	case "$top" in "┌ files ("*"┬ preview"*"┐") ;; *) echo "# top: $top"; return 1 ;; esac
	case "$last" in "└"*"┘") ;; *) echo "# last: $last"; return 1 ;; esac
	[ -n "$mid" ] && [ "$mid" -gt 10 ] && [ "$mid" -lt "$rows" ] || { echo "# mid: $mid"; return 1; }
	bad=$(echo "$s" | while IFS= read -r l; do printf '%s' "$l" | wc -m; done | grep -cvx "$cols")
	[ "$bad" -eq 0 ] || { echo "# $bad lines are not $cols wide"; return 1; }
	return 0
}
rows_shown() { screen_settled | grep -c '│   left  *left/clip_'; }
# layout_wait COLS ROWS: wait until the layout is whole at that size (the
# program redraws a moment after the resize); say what was wrong if not.
layout_wait() {
	wait_for layout_ok "$1" "$2" >/dev/null 2>&1 || { layout_ok "$1" "$2"; return 1; }
}

tmux_start 100 30 "$WINNOW" "$ds"
check "opens" screen_wait "files (32)"
tmux_keys j j j j j
check "select the sixth row" screen_wait " 6/32 "

tmux_resize 80 24
check "80×24: the layout is whole" layout_wait 80 24
small=$(rows_shown)
check "80×24: the selection is kept" screen_wait " 6/32 "

tmux_resize 120 40
check "120×40: the layout is whole" layout_wait 120 40
big=$(rows_shown)
check "120×40: more rows than at 80×24 ($big > $small)" test "$big" -gt "$small"
check "120×40: the selection is kept" screen_wait " 6/32 "

tmux_resize 60 15
check "60×15: too small, and says so" screen_wait "terminal too small (60×15)"
check "60×15: and what it needs" screen_wait "winnow needs 80x24"
tmux_keys j
tmux_resize 79 24
check "79×24: still too small" screen_wait "terminal too small (79×24)"
tmux_resize 80 23
check "80×23: still too small" screen_wait "terminal too small (80×23)"

tmux_resize 100 30
check "back to 100×30: the frame returns" screen_wait "files (32)"
check "100×30: the layout is whole" layout_wait 100 30
check "keys while too small did nothing" screen_wait " 6/32 "
check "no trace of the message" screen_gone "too small"

# Many resizes in a row, as when a window is dragged.
for size in 81x25 90x30 130x45 80x24 100x31 85x26; do
	tmux_resize "${size%x*}" "${size#*x}"
done
check "after a burst of resizes: whole" layout_wait 85 26
tmux_keys q
expect_exit "q quits, status 0" 0
tmux_stop

tmux_start 60 15 "$WINNOW" "$ds"
check "starts too small" screen_wait "terminal too small"
tmux_keys q
expect_exit "q quits when too small, status 0" 0
tmux_stop

# A locale without UTF-8: an ASCII frame (the focused pane's title marked
# '<'), names escaped, no '?' where the interface's own punctuation was.
tmux_start 100 30 env LC_ALL=C "$WINNOW" "$ds"
check "C locale: opens" screen_wait "files (32)"
check "C locale: ASCII frame" sh -c "tmux -L '$TMUX_SOCKET' capture-pane -p -t t: | head -1 | grep -Eq '^\\+ files \\(32\\) < -+( [0-9]+/32 -)?\\+ preview -+\\+$'"
tmux_keys G
check "C locale: the name is escaped" screen_wait 'right/bad\xffname\x01.wav'
tmux_resize 200 30
check "C locale: ASCII separators" screen_wait "32 samples - 2 labels"
tmux_keys q
expect_exit "C locale: quits, status 0" 0
tmux_stop

# Colours as the terminal allows: 256, 8, or none under NO_COLOR (then
# reverse video marks the selection).
esc=$(printf '\033')
sgr() { screen_settled -e | grep -o "$esc\[[0-9;]*m" | sort -u; }
colour_run() {
	tmux_start 100 30 env TERM="$1" ${2:+NO_COLOR=1} "$WINNOW" "$ds"
	screen_wait "files (32)" >/dev/null
	codes=$(sgr)
	tmux_keys q
	expect_exit "$1${2:+ NO_COLOR}: quits, status 0" 0
	tmux_stop
}
colour_run xterm-256color
check "256 colours: a 256-colour palette" sh -c "echo '$codes' | grep -q '38;5;'"
colour_run xterm
check "8 colours: no 256-colour codes" sh -c "! echo '$codes' | grep -q '38;5;\|48;5;'"
check "8 colours: plain colours" sh -c "echo '$codes' | grep -q '\[3[0-7]m\|;3[0-7]m\|\[4[0-7]m\|;4[0-7]m'"
colour_run xterm-256color no
check "NO_COLOR: no colour at all" sh -c "! echo '$codes' | grep -q '3[0-7]m\|4[0-7]m\|38;\|48;'"
check "NO_COLOR: the selection in reverse video" sh -c "echo '$codes' | grep -q '\\[7m\\|;7m'"

# UTF-8: the same name, escaped the same way.
tmux_start 100 30 "$WINNOW" "$ds"
check "UTF-8: opens" screen_wait "files (32)"
tmux_keys G
check "UTF-8: the name is escaped" screen_wait 'right/bad\xffname\x01.wav'
tmux_keys q
expect_exit "UTF-8: quits, status 0" 0
tmux_stop

finish
