#!/bin/sh
# screen-80x24.sh — the browser at 80×24, the size people meet first: names
# that tell rows apart, a prediction never cut inside its number, verdicts
# first with their whole reason, the player's slot with autoplay, a
# preview that takes keys when focused, the confusion pane's line without
# predictions and its terse title with them, the help's pages and filter
# words, the labels numbered for 1-9, counts of findings that agree, and a
# clip given where a dataset goes.
. "${top_srcdir:-.}/tests/lib.sh"
need tmux sox

tone() { sox -q -n -r 16000 -c 1 -b 16 "$1" synth "${3:-0.5}" sine "$2"; }

# Speech Commands names: the hash tells speakers apart, the folder repeats
# the label.
ds=$TMP/ds
mkdir -p "$ds/down" "$ds/go" "$ds/left" "$ds/_docs"
f=300
for h in 25f131f9 32098691 356bfeb0 76002819 7fa0b813 a7608f91; do
	for l in down go left; do
		tone "$ds/$l/${h}_nohash_0.wav" $f
		f=$((f + 15))
	done
done
sox -q -n -r 16000 -c 1 -b 16 "$ds/down/a7608f91_nohash_1.wav" trim 0 0.5
# Two long names alike but for a number near the end.
tone "$ds/go/recording_session_alpha_microphone_take_17.wav" 500
tone "$ds/go/recording_session_alpha_microphone_take_18.wav" 520
# A text of 60 lines to scroll.
i=1
while [ $i -le 60 ]; do echo "note line $i"; i=$((i + 1)); done >"$ds/_docs/notes.txt"
printf 'down/25f131f9_nohash_0.wav\ngo/25f131f9_nohash_0.wav\n' >"$ds/testing_list.txt"
{
	echo "path,pred,p_down,p_go,p_left"
	for w in "$ds"/down/*.wav "$ds"/go/*.wav "$ds"/left/*.wav; do
		p=${w#"$ds"/}
		case $p in
		down/a7608f91_nohash_1.wav) echo "$p,left,0.04,0.04,0.92" ;;
		down/7*) echo "$p,left,0.03,0.05,0.92" ;;
		down/*) echo "$p,down,0.81,0.10,0.09" ;;
		go/3*) echo "$p,left,0.05,0.13,0.82" ;;
		go/*) echo "$p,go,0.10,0.83,0.07" ;;
		*) echo "$p,left,0.05,0.05,0.90" ;;
		esac
	done
} >"$TMP/predictions.csv"

files_rows() { screen_settled | sed -n '2,23p' | awk -F'│' 'NF > 2 { print $2 }'; }

# ---- 1. names ----
cp "$TMP/predictions.csv" "$ds/predictions.csv"
tmux_start 80 24 "$WINNOW" "$ds"
check "1: a row shows the whole name, not its folder again" screen_wait "down  25f131f9_nohash_0.wav"
rows=$(files_rows)
check "1: ... and its prediction" sh -c 'printf "%s\n" "$1" | grep -qE "25f131f9_nohash_0\.wav +→down 0\.81"' - "$rows"
check "1: a probability whole (0.92)" sh -c 'printf "%s\n" "$1" | grep -qE "76002819_nohash_0\.wav +→left 0\.92"' - "$rows"
# A finding and a prediction together: too long for the badge column at
# 80 columns, so the probability goes whole rather than lose a digit.
tmux_keys / a 7 6 0 8 f 9 1 Enter
check "1: a silent clip with a prediction" screen_wait "a7608f91_nohash_1.wav"
rows=$(files_rows)
check "1: no probability is cut inside its number" sh -c '! printf "%s\n" "$1" | grep -E "→[a-z]+ [0-9]\.[0-9]?( |$)"' - "$rows"
tmux_keys Escape / t a k e _ 1 Enter
check "1: long names" screen_wait "files (2 of"
rows=$(files_rows)
printf '%s\n' "$rows" | sed 's/^/#   /'
check "1: a long name is cut (…)" sh -c 'printf "%s\n" "$1" | grep -q "…"' - "$rows"
check "1: ... keeping the number that tells it apart (17)" sh -c 'printf "%s\n" "$1" | grep -q "take_17\.wav\|_17\.wav"' - "$rows"
check "1: ... (18)" sh -c 'printf "%s\n" "$1" | grep -q "_18\.wav"' - "$rows"
check "1: ... and its start" sh -c 'printf "%s\n" "$1" | grep -q " re…"' - "$rows"
tmux_keys Escape

# ---- 5. the confusion pane's title at 80 columns: accuracy, split, truth ----
check "5: accuracy with three decimals" screen_wait "accuracy 0."
check "5: the split" screen_wait "split all"
check "5: the truth" screen_wait "truth: decided"
tmux_keys S
check "5: S: the next split, in the title" screen_wait "split test"
tmux_keys t
check "5: t: the truth, in the title" screen_wait "truth: dataset"

# ---- 7. the labels numbered where 1-9 are used ----
matrix_rows=$(screen_settled | awk -F'│' '/true\\pred/ { on = 1; next } on { print $2 }')
check "7: the confusion rows are numbered for 1-9" sh -c 'printf "%s\n" "$1" | grep -q "^1 down" && printf "%s\n" "$1" | grep -q "^2 go" && printf "%s\n" "$1" | grep -q "^3 left"' - "$matrix_rows"

tmux_keys r
check "7: r: the relabel prompt" screen_wait "relabel to"
check "7: ... numbers its labels as 1-9 does" screen_wait "│ 3 left"
tmux_keys Escape
check "7: ... Esc closes it" screen_gone "relabel to"

# ---- 6. help at 80 columns ----
tmux_keys '?'
check "6: ? opens the help" screen_wait " keys "
check "6: descriptions fit: the relabel keys say where the numbers are" \
	screen_wait "relabel to label 1 (numbered in the confusion pane)"
tmux_keys PgDn
check "6: PgDn turns a whole page: the third row is gone" screen_gone "one screen down"
tmux_keys PgDn
check "6: the cluster keys are listed" screen_wait "cluster pane: zoom in"
tmux_keys G
check "6: so are the filter's words" screen_wait "check=any: any finding"
check "6: ... every one" screen_wait "relabel, delete, accept, flag, none or any"
tmux_keys Escape

# ---- 4. focus ----
tmux_keys / _ d o c s Enter
check "4: the text sample" screen_wait "files (1 of"
tmux_keys Tab
check "4: the preview has the focus, marked without colour" screen_wait "┬ preview ◀"
tmux_keys j j j
check "4: j scrolls the text" screen_wait "lines 4-"
check "4: ... its fourth line first" sh -c 'tmux -L "$1" capture-pane -p -t t: | sed -n 2p | grep -q "note line 4"' - "$TMUX_SOCKET"
check "4: ... and the list kept its selection" screen_wait " 1/1 "
tmux_keys Tab Tab Escape
files_focused() { screen | head -1 | grep -q '^┌ files ([0-9]*) ◀'; }
check "4: Tab goes on to the files, marked" wait_for files_focused
tmux_keys q
expect_exit "q quits" 0
tmux_stop

# ---- 8. counts: the status line counts what check=any shows ----
# The demo's embeddings split a class in two: cluster-split, a finding of
# the class, marks each of its samples.
cp -R "$top_srcdir/data/demo" "$TMP/demo"
rm -rf "$TMP/demo/.winnow"
tmux_start 200 24 "$WINNOW" "$TMP/demo"
# The summary is final once the embeddings are read and their neighbours
# judged: before that it reads "checking: the embeddings' neighbours", or
# counts without the cluster findings. The count comes from the capture
# that showed it final.
checks_final() {
	s=$(screen | tail -1)
	case $s in *"embeddings "[0-9]*) ;; *) return 1 ;; esac
	n=$(printf '%s\n' "$s" | sed -n 's/.*checks: [0-9]* findings* in \([0-9]*\) sample.*/\1/p')
	[ -n "$n" ]
}
check "8: the checks' summary, with the embeddings' findings" wait_for checks_final
tmux_keys / c h e c k = a n y Enter
check "8: check=any shows as many samples as the status line says ($n)" screen_wait "files ($n of"
tmux_keys q
wait_exit
tmux_stop

# ---- 5. without predictions the confusion pane is one line ----
rm "$ds/predictions.csv"
tmux_start 80 24 "$WINNOW" "$ds"
check "5: no predictions, said on one line" screen_wait "no predictions:"
n=$(screen_settled | awk -F'│' 'NF > 3' | grep -c .)   # rows beside the preview
check "5: at least 16 rows for the files ($n)" test "$n" -ge 16
tmux_keys q
wait_exit
tmux_stop

# ---- 2. verdicts first, with the whole reason ----
other=$TMP/other
mkdir -p "$other/x"
printf -- '---\nwinnow-journal: 1\ndataset: %s\nlayout: folders\ncreated: 2026-01-01T00:00:00Z\n...\n' "$other" >"$TMP/other.yaml"
tmux_start 80 24 "$WINNOW" -j "$TMP/other.yaml" "$ds"
check "2: the status line leads with the verdict" screen_wait "└─ decisions off: "
# The rows above the status line, borders off, joined: the box wraps the
# message at spaces.
above_status() { screen | tail -6 | head -5 | awk -F'│' '{ print $2 }' | sed 's/^ *//; s/ *$//' | tr '\n' ' '; }
whole_reason() { above_status | grep -qF "this journal is about the dataset $other, not $ds"; }
check "2: the whole reason is on screen, to its end" wait_for whole_reason
tmux_keys d
check "2: d says the same" screen_wait "└─ decisions off: "
tmux_keys q
wait_exit
tmux_stop
printf 'winnow-journal: 1\ndataset: x\n---\nid: [\n...\n' >"$TMP/garbage.yaml"
tmux_start 80 24 "$WINNOW" -j "$TMP/garbage.yaml" "$ds"
check "2: a garbage journal: the verdict first" screen_wait "└─ decisions off: "
check "2: ... and the line of the fault" screen_wait "garbage.yaml:4:"
tmux_keys q
wait_exit
tmux_stop

# ---- 2. ... and where the sound device or the journal is missing ----
# No sound device (the tests' ALSA has none): Space says so, verdict first,
# and the whole reason shows above the status line.
tmux_start 80 24 "$WINNOW" "$ds"
check "2: the clips" screen_wait "25f131f9_nohash_0.wav"
tmux_keys / 2 5 f 1 3 1 f 9 Enter
check "2: a filter of clips" screen_wait "files (3 of"
tmux_keys Space
check "2: no sound device: the verdict leads the status line" screen_wait "└─ no sound device: "
whole_sound() { above_status | grep -qF "no sound device: clips cannot play here (to hear them over SSH, see winnow(1))"; }
check "2: ... and the whole reason is on screen" wait_for whole_sound
# A second browser on the same journal: decisions off, and why, whole.
tmux -L "$TMUX_SOCKET" new-window -t t: "exec env HOME='$HOME' '$WINNOW' '$ds' 2>/dev/null"
check "2: a second browser: the verdict first" screen_wait "└─ decisions off: "
whole_lock() { above_status | grep -qF "is in use by another winnow (it is locked); close that one first, or give another journal with -j"; }
check "2: ... and the whole reason, to its end" wait_for whole_lock
tmux_keys d
check "2: d says the same" screen_wait "└─ decisions off: "
tmux_keys q
wait_for sh -c "tmux -L '$TMUX_SOCKET' display-message -p -t t:1 '#{pane_dead}' | grep -qx 1"
tmux -L "$TMUX_SOCKET" kill-window -t t:1
tmux_keys q
wait_exit
tmux_stop

# ---- 3. autoplay shows the player ----
if [ -e /usr/share/alsa/alsa.conf ]; then
	# ALSA's file plugin into a reader that takes the sound at about the
	# pace of a device (the null device alone would take it at once).
	cat >"$TMP/slow.py" <<'EOF'
import sys, time
while sys.stdin.buffer.read(4096):
    time.sleep(0.03)
EOF
	cat >"$HOME/.asoundrc" <<EOF
pcm.!default {
	type file
	slave.pcm "null"
	file "|exec $PYTHON $TMP/slow.py"
	format "raw"
}
EOF
	for l in down go left; do tone "$ds/$l/76002819_nohash_0.wav" 440 4; done
	tmux_start 80 24 "$WINNOW" "$ds"
	check "3: the clips" screen_wait "25f131f9_nohash_0.wav"
	tmux_keys / 7 6 0 0 Enter
	check "3: a filter of three clips" screen_wait "files (3 of"
	tmux_keys n Space
	check "3: autoplay: what plays shows, with the mark" screen_wait "autoplay playing "
	tmux_keys q
	wait_exit
	tmux_stop
	rm "$HOME/.asoundrc"
fi

# ---- 10. a clip where a dataset goes ----
expect_status "10: stats on a WAV: refused" 2 "$WINNOW" stats "$ds/go/25f131f9_nohash_0.wav"
check "10: ... it is not a dataset, and says so" contains "$TMP/err" "a wav file (audio), not a dataset"
check "10: ... not as a manifest without columns" sh -c '! grep -q "header must name" "$1"' - "$TMP/err"
/usr/bin/convert -size 8x8 xc:red "$TMP/p.png"
expect_status "10: check on a PNG: refused" 2 "$WINNOW" check "$TMP/p.png"
check "10: ... it is a picture" contains "$TMP/err" "a png file (image), not a dataset"

finish
