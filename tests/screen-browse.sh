#!/bin/sh
# screen-browse.sh — the browser in a private tmux server: rows, moving,
# filtering, sorting, shuffling, help, key bindings from config.yaml,
# --trace, and the terminal given back after q, SIGTERM and a crash.
. "${top_srcdir:-.}/tests/lib.sh"
need tmux sox pgrep
# A library to preload whose thread, started before main, takes signals.
PRELOAD_THREAD=$top_builddir/tests/thread-before-main.so
[ -f "$PRELOAD_THREAD" ] || skip "tests/thread-before-main.so is not built"

# A small dataset of real files: speech and tones, images, a noise folder
# (browsable, not a label), and a name that is not UTF-8.
ds=$TMP/ds
mkdir -p "$ds/yes" "$ds/no" "$ds/up" "$ds/_background_noise_"
if command -v espeak-ng >/dev/null; then
	speak yes "$ds/yes/a1b2c3d4_nohash_0.wav"
	speak no "$ds/no/a1b2c3d4_nohash_0.wav"
else
	sox -q -n -r 16000 -c 1 -b 16 "$ds/yes/a1b2c3d4_nohash_0.wav" synth 1 sine 440
	sox -q -n -r 16000 -c 1 -b 16 "$ds/no/a1b2c3d4_nohash_0.wav" synth 1 sine 330
fi
for i in 1 2 3; do
	sox -q -n -r 16000 -c 1 -b 16 "$ds/yes/e5f6a7b8_nohash_$i.wav" synth 1 sine $((300 + 50 * i))
	sox -q -n -r 16000 -c 1 -b 16 "$ds/no/c9d0e1f2_nohash_$i.wav" synth 1 sine $((500 + 50 * i))
done
sox -q -n -r 16000 -c 1 -b 16 "$ds/_background_noise_/white_noise.wav" synth 3 whitenoise
/usr/bin/convert -size 64x48 xc:red "$ds/up/red.png"
/usr/bin/convert -size 64x48 xc:blue "$ds/up/blue.png"
cp "$ds/no/c9d0e1f2_nohash_1.wav" "$(printf '%s/no/caf\351.wav' "$ds")"
total=12

# The files pane's rows: the text between the first two vertical bars (of
# a whole frame: the rows may be redrawn a moment after the title).
files_rows() { screen_settled | sed -n "2,$((1 + ${1:-17}))p" | awk -F'│' '{print $2}' | sed 's/ *$//'; }
first_row() { files_rows 1; }

# ---- refusals, before the terminal is touched ----
expect_status "a missing dataset is refused" 2 "$WINNOW" "$TMP/nope"
check "the message names it" contains "$TMP/err" "$TMP/nope"
expect_status "no terminal: refused" 2 "$WINNOW" "$ds"
check "the message says why" contains "$TMP/err" "needs a terminal"
expect_status "an unknown option is refused" 2 "$WINNOW" --bogus "$ds"

# ---- browse ----
tmux_start 100 30 "$WINNOW" --trace "$TMP/trace" "$ds"
check "rows appear" screen_wait "yes/e5f6a7b8_nohash_3.wav"
check "labels are shown" screen_wait "│   no     no/a1b2c3d4_nohash_0.wav"
check "the noise folder is browsable" screen_wait "_background_noise_/white_noise.wav"
check "a non-UTF-8 name is shown escaped" screen_wait 'no/caf\xe9.wav'
check "the title counts the samples" screen_wait "files (12)"
# The dataset's summary is the first to go when the status line is full.
tmux_resize 200 30
check "the status line sums the dataset up" screen_wait "12 samples · 3 labels"
tmux_resize 100 30
check "the selection starts on the first row" screen_wait " 1/12 "
expect_eq "path order: the first row" "$(first_row | awk '{print $NF}')" "_background_noise_/white_noise.wav"

tmux_keys j j
check "j moves down" screen_wait " 3/12 "
tmux_keys k
check "k moves up" screen_wait " 2/12 "
tmux_keys G
check "G goes to the last row" screen_wait " 12/12 "
tmux_keys g
check "g goes to the first row" screen_wait " 1/12 "
tmux_keys Down Down Down
check "Down moves too" screen_wait " 4/12 "
tmux_keys Up
check "Up moves too" screen_wait " 3/12 "
tmux_keys PgDn
check "PgDn moves a page (to the end here)" screen_wait " 12/12 "
tmux_keys PgUp
check "PgUp moves a page back" screen_wait " 1/12 "

# Filter by label, with Tab completion.
tmux_keys /
check "/ opens the filter prompt" screen_wait "filter: "
check "the prompt offers completions" screen_wait "label=yes"
tmux_keys l a b e l = y Tab Enter
check "the filter shows in the title" screen_wait "files (4 of 12 · filter: label=yes)"
rows=$(files_rows | grep -c .)
expect_eq "only the label's rows" "$rows" 4
others=$(files_rows | grep -c 'no/')
expect_eq "no other label on screen" "$others" 0
tmux_keys Escape
check "Esc goes back to every sample" screen_wait "files (12)"

# Path text, stacked with a label.
tmux_keys / n o h a s h _ 1 Enter
check "path text filters" screen_wait "files (2 of 12 · filter: nohash_1)"
tmux_keys / l a b e l = n o Enter
check "filters stack" screen_wait "files (1 of 12 · filter: nohash_1 label=no)"
check "the row that matches both" screen_wait "no/c9d0e1f2_nohash_1.wav"
tmux_keys Escape
check "Esc pops one filter" screen_wait "files (2 of 12 · filter: nohash_1)"
tmux_keys Escape
check "and the next" screen_wait "files (12)"
tmux_keys / l a b e l = n o p e Enter
check "a bad filter is explained" screen_wait "filter: no label 'nope'"
check "and changes nothing" screen_wait "files (12)"
tmux_keys / z z z Enter
check "a filter that matches nothing says so" screen_wait "no sample matches the filter"
tmux_keys Escape
check "and Esc backs out of it" screen_wait "files (12)"
tmux_keys / x y Escape
check "Esc cancels the prompt" screen_wait "files (12)"

# Sort: label order puts the noise folder (no label) last.
tmux_keys j j
check "select the third row" screen_wait " 3/12 "
selected=$(files_rows 3 | tail -1 | awk '{print $NF}')
tmux_keys s
check "s sorts by label" screen_wait "sort: label"
expect_eq "label order: first row" "$(first_row | awk '{print $NF}')" "no/a1b2c3d4_nohash_0.wav"
expect_eq "label order: the unlabelled sample last" "$(files_rows 12 | tail -1 | awk '{print $NF}')" \
	"_background_noise_/white_noise.wav"
n=$(screen | sed -n 's/.* \([0-9]*\)\/12 .*/\1/p' | head -1)
expect_eq "the selected sample stays selected" "$(files_rows "$n" | tail -1 | awk '{print $NF}')" "$selected"
tmux_keys s
check "s again: suspect" screen_wait "sort: suspect"
tmux_keys s
check "then loudness" screen_wait "sort: loudness"
tmux_keys s
check "then duration" screen_wait "sort: duration"
tmux_keys s
check "then path again" screen_wait "files (12)"

# Shuffle: the same rows in another order.
sorted=$(files_rows 12 | awk '{print $NF}')
shuffled=$sorted
# (A shuffle may give the same order back, once in 12! times.)
for attempt in 1 2 3; do
	tmux_keys R
	screen_wait "shuffled" >/dev/null
	shuffled=$(files_rows 12 | awk '{print $NF}')
	[ "$shuffled" != "$sorted" ] && break
done
check "R shuffles" screen_wait "· shuffled)"
check "the order changed" test "$shuffled" != "$sorted"
expect_eq "the same samples" "$(echo "$shuffled" | sort)" "$(echo "$sorted" | sort)"
tmux_keys s
check "s after a shuffle sorts again" screen_wait "files (12)"


# Help lists every binding, generated from the command table.
tmux_resize 100 50
tmux_keys '?'
check "? opens the help" screen_wait " keys "
help=$(screen_settled | sed 's/  */ /g')
# Its last row (quit) may be further down.
help_end() { screen | sed 's/  */ /g' | grep -qF ' q quit quit '; }
tmux_keys G
check "G shows the end of the help" wait_for help_end
help="$help
$(screen_settled | sed 's/  */ /g')"
missing=
while read -r keys command; do
	echo "$help" | grep -qF " $keys $command " || missing="$missing [$keys $command]"
done <<'EOF'
j Down C-n down
k Up C-p up
PgDn C-f page-down
PgUp C-b page-up
g Home top
G End bottom
Tab next-pane
S-Tab prev-pane
Space play
n autoplay
Enter enter
Esc back
/ filter
s sort
R shuffle
v preview-mode
r relabel
1 relabel-1
5 relabel-5
9 relabel-9
d delete
a accept
f flag
u undo
c cluster
? F1 help
C-l redraw
q quit
EOF
expect_eq "every binding of winnow(1)'s list is in the help" "$missing" ""
# And every row of the command table in commands.c, read from the source.
table=$($PYTHON - "$top_srcdir/src/tui/commands.c" <<'EOF'
import re, sys
src = open(sys.argv[1]).read()
for name, keys in re.findall(r'\{ "([a-z0-9-]+)", "[^"]*",\s*-?\w+, "([^"]*)" \}', src):
    print(keys, name)
for n in re.findall(r'RELABEL\((\d)\)', src):
    print(n, "relabel-" + n)
EOF
)
count=$(echo "$table" | grep -c .)
check "the command table was read ($count rows)" test "$count" -gt 30
missing=
while read -r keys command; do
	echo "$help" | grep -qF " $keys $command " || missing="$missing [$keys $command]"
done <<EOF
$table
EOF
expect_eq "every command of the table is in the help" "$missing" ""
tmux_keys q
check "q closes the help, not winnow" screen_gone " keys "
tmux_keys '?' Escape
check "Esc closes the help" screen_gone " keys "
check "the file list is back" screen_wait "files (12)"

tmux_keys q
expect_exit "q quits, status 0" 0
expect_eq "the alternate screen is off" "$(alternate_screen)" "0"
check "nothing reached stderr" test ! -s "$TMP/stderr"
check "the log file was used for stderr" contains "$XDG_STATE_HOME/winnow/winnow.log" "started"
# Sanitizer reports (an --enable-asan build) land in that log too.
check "no sanitizer report in the log" sh -c "! grep -q 'AddressSanitizer\|runtime error:\|LeakSanitizer' '$XDG_STATE_HOME/winnow/winnow.log'"
check "the trace has the first frame" grep -q '^first-frame	[0-9.]*$' "$TMP/trace"
check "the trace has the dataset ready" grep -q '^ready	[0-9.]*$' "$TMP/trace"
check "the trace has each key with its latency" grep -q '^key	[0-9.]*	j	[0-9.]*	[0-9.]*$' "$TMP/trace"
nkeys=$(grep -c '^key' "$TMP/trace")
check "many keys traced ($nkeys)" test "$nkeys" -gt 50
tmux_stop

# ---- config.yaml: rebinding, and a bad file ----
mkdir -p "$XDG_CONFIG_HOME/winnow"
cat >"$XDG_CONFIG_HOME/winnow/config.yaml" <<'EOF'
# quit with Q only; J moves down as well as j
keys:
  quit: Q
  down: [j, J]
colours:
  selected: "bold white on 24"
thresholds:
  quiet-db: -40
EOF
tmux_start 100 30 "$WINNOW" "$ds"
check "starts with a config file" screen_wait "files (12)"
tmux_keys J
check "a rebound key works" screen_wait " 2/12 "
# Keys are taken in order: once J after q has moved, q has been read.
tmux_keys q J
check "the old key no longer quits" screen_wait " 3/12 "
expect_eq "still running after it" "$(pane_dead)" "0 "
tmux_keys Q
expect_exit "the new key quits, status 0" 0
tmux_stop

bad_config() {
	printf '%s\n' "$1" >"$XDG_CONFIG_HOME/winnow/config.yaml"
	tmux_start 100 30 "$WINNOW" "$ds"
	expect_exit "bad config ($2): exit 2" 2
	check "bad config ($2): the message" contains "$TMP/stderr" "$3"
	expect_eq "bad config ($2): the terminal was not taken" "$(alternate_screen)" "0"
	tmux_stop
}
bad_config 'keys:
  quit: Nope' "key name" "config.yaml:2: keys: quit: no key called 'Nope'"
bad_config 'keys:
  play: p
  jump: x' "command" "config.yaml:3: keys: no command 'jump'"
bad_config 'keys:
  quit: x
  play: x' "one key twice" "config.yaml:3: keys: 'x' is bound to quit (line 2) and play"
bad_config 'thresholds:
  quiet-db: loud' "threshold" "config.yaml:2: threshold quiet-db: 'loud' is not a number"
bad_config 'colours:
  selected: "sparkly"' "colour" "config.yaml:2: colours: selected: cannot read 'sparkly'"
bad_config 'keys: [q' "YAML" "config.yaml:"
bad_config 'kees:
  quit: Q' "unknown setting" "config.yaml:1: unknown setting 'kees'"
rm -f "$XDG_CONFIG_HOME/winnow/config.yaml"

# tgkill: a signal to one thread, as a fault in that thread would raise.
thread_kill() {
	$PYTHON -c 'import ctypes, sys
libc = ctypes.CDLL(None, use_errno=True)
sys.exit(libc.syscall(234, int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])) != 0)' "$@"
}
# open_thread PID SIG: a thread of PID, not the first, that does not block
# SIG (the kernel may give it a signal sent to the process).
open_thread() {
	for t in $(ls /proc/"$1"/task | sort -n); do
		[ "$t" = "$1" ] && continue
		blk=$(sed -n 's/^SigBlk:[[:space:]]*//p' /proc/"$1"/task/"$t"/status 2>/dev/null)
		[ -n "$blk" ] && $PYTHON -c 'import sys
sys.exit(int(sys.argv[1], 16) >> (int(sys.argv[2]) - 1) & 1)' "$blk" "$2" &&
			{ echo "$t"; return 0; }
	done
	return 1
}

# ---- Ctrl-Z in a shell: stopped with the terminal given back, fg resumes ----
# (bash writes its prompt and job reports to stderr: the terminal's here.)
tmux_start 100 30 env -i HOME="$HOME" PATH="$PATH" TERM="$TERM" LC_ALL="$LC_ALL" \
	XDG_CONFIG_HOME="$XDG_CONFIG_HOME" XDG_STATE_HOME="$XDG_STATE_HOME" \
	sh -c 'exec bash --norc --noprofile -i 2>/dev/tty'
tmux_keys "PS1='shell> '" Enter
check "C-z: a shell" screen_wait "shell> "
tmux_keys "LD_PRELOAD=$PRELOAD_THREAD ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 \"$WINNOW\" \"$ds\"" Enter
check "C-z: the browser runs in a shell" screen_wait "files (12)"
tmux_keys j j
check "C-z: moved" screen_wait " 3/12 "
tmux_keys C-z
check "C-z: stopped" screen_wait "Stopped"
expect_eq "C-z: the alternate screen is off" "$(alternate_screen)" "0"
tmux_keys fg Enter
check "C-z: fg brings the browser back" screen_wait " 3/12 "
tmux_keys j
check "C-z: keys work again" screen_wait " 4/12 "
# The same stop, given by the kernel to a thread that takes signals (the
# preloaded library's, started before main): it reaches the UI thread.
wpid=$(pgrep -P "$(program_pid)" -x winnow)
tid=$(open_thread "$wpid" 20)
check "C-z to another thread: a thread that takes it" test -n "$tid"
check "C-z to another thread: signalled" thread_kill "$wpid" "$tid" 20
check "C-z to another thread: stopped" screen_wait "Stopped"
expect_eq "C-z to another thread: the alternate screen is off" "$(alternate_screen)" "0"
tmux_keys fg Enter
check "C-z to another thread: fg brings the browser back" screen_wait " 4/12 "
tmux_keys k
check "C-z to another thread: keys work again" screen_wait " 3/12 "
check "C-z to another thread: the frame is whole" screen_wait "└─ "
check "C-z to another thread: no stray escapes" not_on_screen '[0-9]+;[0-9]+(;[0-9]+)*m'
tmux_keys q
tmux_keys 'echo "status=$?"' Enter
check "C-z: then q quits with status 0" screen_wait "status=0"
tmux_stop

# ---- no dataset: the demo; a dataset that cannot be read: exit 2 ----
tmux_start 100 30 env WINNOW_DEMO="$ds" "$WINNOW"
check "with no dataset, the demo opens" screen_wait "files (12)"
tmux_keys q
expect_exit "and q quits it, status 0" 0
tmux_stop
printf 'file,class\nyes/a1b2c3d4_nohash_0.wav,yes\n' >"$TMP/bad.csv"
tmux_start 100 30 "$WINNOW" "$TMP/bad.csv"
expect_exit "a manifest without path/label columns: exits 2" 2
check "naming the file" contains "$TMP/stderr" "bad.csv"
expect_eq "the terminal is given back" "$(alternate_screen)" "0"
check "and echoes again" grep -qE '(^| )echo( |$)' "$TMP/stty"
tmux_stop

# ---- the terminal is given back after SIGTERM and after a crash ----
for sig in TERM THREAD-TERM SEGV WORKER-SEGV; do
	tmux_start 100 30 env LD_PRELOAD="$PRELOAD_THREAD" \
		ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" "$WINNOW" "$ds"
	screen_wait "files (12)" >/dev/null
	pid=$(program_pid)
	check "SIG$sig: found the process" test -n "$pid"
	if [ "$sig" = WORKER-SEGV ]; then
		# The last thread started: not the UI thread (a worker, or a part's own).
		tid=$(ls /proc/"$pid"/task | sort -n | tail -1)
		check "SIG$sig: a thread other than the main one" test "$tid" != "$pid"
		check "SIG$sig: signalled" thread_kill "$pid" "$tid" 11
	elif [ "$sig" = THREAD-TERM ]; then
		# SIGTERM given by the kernel to the preloaded library's thread:
		# the UI thread, asleep in ppoll, still wakes to it.
		tid=$(open_thread "$pid" 15)
		check "SIG$sig: a thread that takes it" test -n "$tid"
		check "SIG$sig: signalled" thread_kill "$pid" "$tid" 15
	else
		kill -s "$sig" "$pid"
	fi
	check "SIG$sig: the program ended" wait_exit
	expect_eq "SIG$sig: the alternate screen is off" "$(alternate_screen)" "0"
	check "SIG$sig: the terminal echoes again" grep -qE '(^| )echo( |$)' "$TMP/stty"
	check "SIG$sig: canonical mode again" grep -qE '(^| )icanon( |$)' "$TMP/stty"
	case $sig in *TERM) expect_eq "SIG$sig: died of the signal" "$(exit_status)" 143 ;; esac
	tmux_stop
done

finish
