#!/bin/sh
# screen-confusion.sh — the confusion pane in the real browser (tmux): the
# matrix equals `winnow confusion`'s; Enter on an off-diagonal cell, a row
# header and the diagonal lists exactly those samples in the file pane, Esc
# goes back; predictions.csv rewritten in place and renamed over it update
# the pane and say what changed, and one written in two halves with a pause
# is shown only whole; a relabel moves a sample at once, and t
# shows the labels as in the dataset again; S counts one split; each whole
# load is a row of trend.tsv, and the pane draws each class's recall by
# load with the falls marked, across restarts; 35 classes scroll sideways
# in 80 columns.
. "${top_srcdir:-.}/tests/lib.sh"
need tmux sox

ds=$TMP/ds
mkdir -p "$ds/no" "$ds/up" "$ds/yes"
tone() { sox -q -n -r 16000 -c 1 -b 16 "$ds/$1" synth 0.3 sine "$2"; }
f=300
for p in no/n1 no/n2 no/n3 no/n4 up/u1 up/u2 up/u3 yes/y1 yes/y2 yes/y3 yes/y4; do
	tone "$p.wav" $f
	f=$((f + 20))
done
printf 'no/n1.wav\nyes/y1.wav\nyes/y2.wav\n' >"$ds/testing_list.txt"
cat >"$ds/predictions.csv" <<'EOF'
path,pred,p_no,p_up,p_yes
no/n1.wav,no,0.8,0.1,0.1
no/n2.wav,no,0.7,0.2,0.1
no/n3.wav,yes,0.3,0.1,0.6
no/n4.wav,no,0.9,0.05,0.05
up/u1.wav,up,0.1,0.8,0.1
up/u2.wav,no,0.5,0.4,0.1
up/u3.wav,up,0.2,0.7,0.1
yes/y1.wav,no,0.6,0.1,0.3
yes/y2.wav,no,0.9,0.05,0.05
yes/y3.wav,yes,0.1,0.1,0.8
yes/y4.wav,yes,0.2,0.1,0.7
EOF
cp "$ds/predictions.csv" "$TMP/first.csv"

# matrix: the pane's rows as "label c c c" (· as 0), from the screen.
matrix() {
	screen | awk -F'│' '
		/true\\pred/ { on = 1; next }
		on && $2 ~ /^precision/ { exit }
		on { r = $2; sub(/^([1-9] |  )/, "", r)   # the number keys 1-9 relabel to
		     n = split(r, f, " +"); if (f[1] == "") next
		     out = f[1]; for (i = 2; i <= 4; i++) out = out " " (f[i] == "·" ? 0 : f[i])
		     print out }'
}
# the same from winnow confusion's TSV
want_matrix() {
	"$WINNOW" confusion "$@" 2>/dev/null | tail -n +2 | tr '\t' ' '
}
# wait until the pane's matrix is the given text
matrix_is() {
	end=$(( $(date +%s) + WAIT_SECONDS ))
	while [ "$(date +%s)" -le "$end" ]; do
		[ "$(matrix)" = "$1" ] && return 0
		sleep 0.05
	done
	printf '# matrix on screen:\n%s\n# want:\n%s\n' "$(matrix)" "$1" | sed 's/^/#   /' >&2
	return 1
}
# the sample paths the file pane lists (sorted), and the first one
shown_paths() { screen | awk -F'│' 'NR > 1 { print $2 }' | grep -o '[a-z]*/[a-z0-9]*\.wav'; }
listed() { shown_paths | sort | tr '\n' ' '; }
first_listed() { shown_paths | head -1; }

tmux_start 120 36 "$WINNOW" "$ds"
check "the pane shows the matrix" screen_wait "true\\pred"
want=$(want_matrix "$ds")
check "equal to winnow confusion's" matrix_is "$want"
check "with recall and precision" screen_wait "precision"
check "and the most confused pairs" screen_wait "most confused"
check "the title has the accuracy" screen_wait "accuracy 0.636"

# Focus the confusion pane (files → preview → confusion), then the cell
# yes → no (rows no, up, yes; the cursor starts on no → no).
tmux_keys Tab Tab j j
check "the cursor tells its cell" screen_wait "yes → no: 2 (50% of yes)"
tmux_keys Enter
check "Enter filters the file pane to that cell" screen_wait "filter: true yes · pred no"
expect_soon "exactly its samples" "yes/y1.wav yes/y2.wav " listed
# y2 (p_no 0.9 >= t_no 0.675) is a suspect, y1 (0.6) is not.
expect_soon "the suspect first" yes/y2.wav first_listed
tmux_keys Escape
check "Esc goes back to every sample, in the order before" screen_wait "files (11)"

tmux_keys Tab Tab h
check "h: the row name selects the whole row" screen_wait "true yes: 4 samples, recall 0.50"
tmux_keys Enter
check "Enter on a row lists the row" screen_wait "filter: true yes"
expect_soon "all of it" "yes/y1.wav yes/y2.wav yes/y3.wav yes/y4.wav " listed
tmux_keys Escape Tab Tab l k k k
check "k past the first row: the column name" screen_wait "predicted no: 6 samples, precision 0.50"
tmux_keys Enter
check "Enter on a column lists the column" screen_wait "filter: pred no"
expect_soon "all of it" \
	"no/n1.wav no/n2.wav no/n4.wav up/u2.wav yes/y1.wav yes/y2.wav " listed
tmux_keys Escape Tab Tab j
check "the diagonal cell no → no" screen_wait "no → no: 3"
tmux_keys Enter
check "lists the right ones" screen_wait "filter: true no · pred no"
expect_soon "n1 n2 n4" "no/n1.wav no/n2.wav no/n4.wav " listed
tmux_keys Escape

# The file rewritten in place (truncated and written): every yes now right.
sed 's|^yes/y1.wav,no,|yes/y1.wav,yes,|; s|^yes/y2.wav,no,|yes/y2.wav,yes,|' \
	"$ds/predictions.csv" >"$TMP/next.csv"
cat "$TMP/next.csv" >"$ds/predictions.csv"
want=$(want_matrix "$ds")
check "a rewrite in place updates the matrix" matrix_is "$want"
check "and says how the accuracy moved" screen_wait "accuracy 0.636 → 0.818"
tmux_keys Tab Tab j j
check "a changed cell says what it was" screen_wait "yes → no: 0 (0% of yes), was 2"

# Renamed over it, as a training run writes atomically: up/u2 now right.
sed 's|^up/u2.wav,no,0.5,0.4,|up/u2.wav,up,0.4,0.5,|' "$TMP/next.csv" >"$ds/.pred.tmp"
mv "$ds/.pred.tmp" "$ds/predictions.csv"
want=$(want_matrix "$ds")
check "a file renamed over it updates the matrix" matrix_is "$want"
check "accuracy before → after" screen_wait "accuracy 0.818 → 0.909"

# A relabel (the file pane's 1: the first label, no) moves the sample at
# once; t shows the labels as in the dataset again.
tmux_keys Tab g
for i in 1 2 3 4 5 6 7 8; do tmux_keys j; done      # yes/y2.wav
tmux_keys 1
check "relabelled" screen_wait "1 decision"
check "the matrix counts it under no at once" matrix_is "$(printf 'no 3 0 2\nup 0 3 0\nyes 0 0 3')"
tmux_keys t
check "t: labels as in the dataset" screen_wait "truth: dataset"
check "where y2 is a yes again" matrix_is "$(printf 'no 3 0 1\nup 0 3 0\nyes 0 0 4')"
tmux_keys t
check "t again: after decisions" screen_wait "truth: decided"

# S: one split after another.
tmux_keys S
check "S counts the testing split" screen_wait "split testing"
check "its matrix" matrix_is "$(printf 'no 1 0 1\nup 0 0 0\nyes 0 0 1')"
tmux_keys S
check "then training" screen_wait "split training"
tmux_keys S
check "then all" screen_wait "split all"
tmux_keys q
check "q quits" wait_exit
tmux_stop

# A training run rewriting the file in place: half of it (whole rows: no
# and up only), a pause with the file open, then the rest. The pane never
# shows the half, and shows the whole once the writer closes it, with the
# accuracy moved from the last whole load.
live=$TMP/live/predictions.csv
cp -R "$ds" "$TMP/live"
rm -rf "$TMP/live/.winnow"
cp "$TMP/first.csv" "$live"
tmux_start 120 36 "$WINNOW" "$TMP/live"
want=$(want_matrix "$TMP/live")
check "the live file's matrix" matrix_is "$want"
head -7 "$TMP/next.csv" >"$TMP/half.csv"
half=$(want_matrix -p "$TMP/half.csv" "$TMP/live")
{ cat "$TMP/half.csv"; sleep 4; tail -n +8 "$TMP/next.csv"; } >"$live" &
writer=$!
while ! cmp -s "$live" "$TMP/half.csv"; do sleep 0.05; done
shown=0 torn=0
end=$(( $(date +%s) + 3 ))
while [ "$(date +%s)" -lt "$end" ]; do
	m=$(matrix)
	[ "$m" = "$want" ] && shown=$((shown + 1))
	[ "$m" = "$half" ] && torn=$((torn + 1))
	sleep 0.1
done
check "the half-written file is never shown" [ "$torn" -eq 0 ]
check "the last whole one stays all through the writer's pause" [ "$shown" -gt 0 ]
wait "$writer"
want=$(want_matrix "$TMP/live")
check "the whole file is shown once closed" matrix_is "$want"
check "its accuracy against the last whole load" screen_wait "accuracy 0.636 → 0.818"
tmux_keys q
check "q quits" wait_exit
tmux_stop

# Each whole load is a row of trend.tsv, and the pane draws each class's
# recall over the rows, the fall since the last load marked with ▼ in the
# error colour. Two training runs rename their predictions over the file.
tr=$TMP/trend
cp -R "$ds" "$tr"
rm -rf "$tr/.winnow"
cp "$TMP/first.csv" "$tr/predictions.csv"
rows() { grep -vc '^time' "$tr/.winnow/trend.tsv" 2>/dev/null; }
# a class's line of the matrix (with its colours: mark_of -e)
class_line() {
	screen "$@" | awk -F'│' -v l="$cls" '
		/true\\pred/ { on = 1; next }
		on && $2 ~ /^precision/ { exit }
		on { s = $2; gsub(/\033\[[0-9;]*m/, "", s); n = split(s, f, " +")
		     # the label, after its number (the key 1-9 that relabels to it)
		     for (i = 1; i <= 3 && i <= n; i++) if (f[i] == l) { print $2; break } }'
}
# the mark after a class's sparkline: ▼0.25, ▲0.25, or nothing
mark_of() { cls=$1; class_line | grep -o '[▼▲][0-9.]*'; }
tmux_start 120 36 "$WINNOW" "$tr"
check "the first load's matrix" matrix_is "$(want_matrix "$tr")"
expect_soon "the first load is a row of trend.tsv" 1 rows
check "one load: no trend yet" not_on_screen "recall by load"
# Run 1: no/n1 wrong now (no's recall 0.75 → 0.50), yes/y1 right (0.50 → 0.75).
sed 's|^no/n1.wav,no,|no/n1.wav,yes,|; s|^yes/y1.wav,no,|yes/y1.wav,yes,|' \
	"$TMP/first.csv" >"$TMP/run1.csv"
cp "$TMP/run1.csv" "$tr/.pred.tmp"
mv "$tr/.pred.tmp" "$tr/predictions.csv"
check "run 1 is shown" matrix_is "$(want_matrix "$tr")"
expect_soon "and is a second row" 2 rows
check "the trend column appears" screen_wait "recall by load"
expect_soon "no, which got worse, is marked ▼ by how much" "▼0.25" mark_of no
expect_eq "yes, which got better, is marked ▲" "$(mark_of yes)" "▲0.25"
expect_eq "up, which stayed, has no mark" "$(mark_of up)" ""
cls=no
expect_eq "the fall is drawn in the error colour (196, red), the rise is not" \
	"$(class_line -e | grep -c '196m▼') $(cls=yes; class_line -e | grep -c '196m▲')" "1 0"
# Run 2: no/n2 wrong as well (0.50 → 0.25).
sed 's|^no/n2.wav,no,|no/n2.wav,yes,|' "$TMP/run1.csv" >"$tr/.pred.tmp"
mv "$tr/.pred.tmp" "$tr/predictions.csv"
check "run 2 is shown" matrix_is "$(want_matrix "$tr")"
expect_soon "and is a third row" 3 rows
expect_soon "no falls again" "▼0.25" mark_of no
expect_eq "yes stayed: its mark is gone" "$(mark_of yes)" ""
cls=no
expect_soon "no's sparkline steps down, 0.75 0.50 0.25" 1 eval 'class_line | grep -c "▆▅▃ ▼0.25"'
tmux_keys q
check "q quits" wait_exit
tmux_stop
# The history outlives the browser: started again, the file is loaded once
# more (a fourth row) and the sparklines have all four loads.
tmux_start 120 36 "$WINNOW" "$tr"
check "started again" matrix_is "$(want_matrix "$tr")"
expect_soon "its load is a fourth row" 4 rows
cls=no
expect_soon "no's sparkline has the loads of the session before" 1 \
	eval 'class_line | grep -c "▆▅▃▃"'
tmux_keys q
check "q quits" wait_exit
tmux_stop

# 35 classes in 80 columns: the matrix scrolls sideways and down.
big=$TMP/big
set -- backward bed bird cat dog down eight five follow forward four go happy house \
	learn left marvin nine no off on one right seven sheila six stop three tree two up \
	visual wow yes zero
mkdir -p "$big"
echo "path,pred" >"$big/predictions.csv"
prev=zero
for l in "$@"; do
	mkdir -p "$big/$l"
	sox -q -n -r 16000 -c 1 -b 16 "$big/$l/a.wav" synth 0.1 sine 440
	sox -q -n -r 16000 -c 1 -b 16 "$big/$l/b.wav" synth 0.1 sine 550
	echo "$l/a.wav,$l" >>"$big/predictions.csv"
	echo "$l/b.wav,$prev" >>"$big/predictions.csv"
	prev=$l
done
tmux_start 80 24 "$WINNOW" "$big"
check "35 classes: the matrix shows" screen_wait "true\\pred"
check "names are cut to the cell: backward" screen_wait " bac "
check "with more columns to the right" screen_wait "›"
tmux_keys Tab Tab
for i in $(seq 34); do tmux_keys l; done
check "l scrolls to the last column" screen_wait " zer  recall"
for i in $(seq 34); do tmux_keys j; done
check "j scrolls to the last row" screen_wait "zero → zero: 1 (50% of zero)"
check "the first rows scrolled away" screen_gone "│backward"
tmux_keys q
wait_exit

finish
