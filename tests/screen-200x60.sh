#!/bin/sh
# screen-200x60.sh — the demo on a wide terminal keeps what 80×24 has to
# cut: whole names and probabilities in the file list, an image's facts
# and a clip's (its RMS too), the confusion pane's whole title, its
# columns' whole names and its pairs, every slot of the status line, and the help with each
# description whole beside the command's name.
. "${top_srcdir:-.}/tests/lib.sh"
need tmux

cp -R "$top_srcdir/data/demo" "$TMP/demo"
rm -rf "$TMP/demo/.winnow"
# files_rows: the file pane's rows (between its first two bars).
files_rows() { screen_settled | sed -n '2,34p' | awk -F'│' 'NF > 2 { print $2 }'; }

tmux_start 200 60 "$WINNOW" "$TMP/demo"
check "the demo" screen_wait "down/25f131f9_nohash_0.wav"
check "the predictions are loaded" screen_wait "loaded "
rows=$(files_rows)
check "a row: label, whole path, prediction" sh -c \
	'printf "%s\n" "$1" | grep -qE "^   down +down/25f131f9_nohash_0\.wav +→down 0\.66 *$"' - "$rows"
# The finding comes with the checks, after the predictions.
finding_whole() { files_rows | grep -qE "go/356bfeb0_nohash_1\.wav +conflict →no 0\.92"; }
check "a finding beside a prediction, both whole" wait_for finding_whole
check "no name is cut (…) in the list" sh -c '! printf "%s\n" "$1" | grep -q "…"' - "$rows"

# The confusion pane: its whole title, columns named whole (at 80 columns
# cut to 3), and the pairs beside the matrix.
check "the confusion title, whole" \
	screen_wait "├ confusion (accuracy 0.686 · split all · truth: decided) ─"
check "the matrix's columns headed by whole names" \
	screen_wait "true\\pred    down    go  left    no   off    on right  stop    up   yes  recall"
check "... and the most confused pairs" screen_wait "most confused"
check "the first of them" screen_wait "16 off → up"

# The status line, every slot.
check "the status line: the dataset" screen_wait "└─ 147 samples · 10 labels · checks: "
check "... predictions, journal and embeddings too" \
	screen_wait "· predictions 143 of 147 · 0 decisions · 9 unlabeled · journal .winnow/journal.yaml · embeddings "

# An image's facts.
tmux_keys / d o w n / w r i t t e n _ 0 . p n g Enter
check "a picture" screen_wait "files (1 of 147 · filter: down/written_0.png)"
check "its facts: format, size, bytes" screen_wait "png · 96×48 · 87 B"
# A clip's facts, RMS included.
tmux_keys Escape / d o w n / 2 5 f 1 Enter
check "a clip" screen_wait "files (1 of 147 · filter: down/25f1)"
check "its facts, whole: length, rate, channels, format, peak and RMS" \
	screen_wait "1.00 s  16 kHz  mono  WAV 16-bit  peak -6.0 dBFS  RMS -21.9 dBFS"
tmux_keys Escape

# The help: the command's name beside each key, descriptions whole.
tmux_keys '?'
check "? opens the help" screen_wait "┌─ keys "
check "each key's command is named" screen_wait "  v              preview-mode  preview: "
check "the longest description is whole" \
	screen_wait "  s              sort          cycle sort: path, label, suspect, loudness, duration, outlier, uncertain │"
check "so is the relabel keys'" screen_wait "relabel to label 1 (numbered in the confusion pane)"
tmux_keys Escape
tmux_keys q
expect_exit "q quits" 0
tmux_stop
finish
