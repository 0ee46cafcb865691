#!/bin/sh
# screen-copies.sh — near copies in the browser at 80×24: the preview says
# why a clip is flagged (the copy it is near, the size of the group), and
# `C` (next-copy) steps through a group's copies, round again after the
# last, past the samples that are nobody's copy.
. "${top_srcdir:-.}/tests/lib.sh"
need tmux sox

# a/one.wav, a sweep; a/two.wav, the same 6 dB down; b/three.wav, the same
# through 8 kHz under another label. a/other.wav and b/four.wav are other
# sounds.
ds=$TMP/ds
mkdir -p "$ds/a" "$ds/b"
# No dither (-D): the same bytes every run, so that which copy is nearest
# (a/one.wav and a/two.wav are, to b/three.wav, nearly alike) never moves.
sox -q -D -n -r 16000 -c 1 -b 16 "$ds/a/one.wav" synth 0.6 sine 300-900 synth 0.6 sine amod 7 fade 0.05 0.6 0.1
sox -q -D "$ds/a/one.wav" "$ds/a/two.wav" gain -6
sox -q -D "$ds/a/one.wav" -r 8000 "$TMP/8k.wav"
sox -q -D "$TMP/8k.wav" -r 16000 "$ds/b/three.wav"
sox -q -n -r 16000 -c 1 -b 16 "$ds/a/other.wav" synth 0.6 square 200-250 fade 0.05 0.6 0.1
sox -q -n -r 16000 -c 1 -b 16 "$ds/b/four.wav" synth 0.6 sawtooth 700-400 fade 0.05 0.6 0.1

"$WINNOW" check "$ds" >"$TMP/findings" 2>/dev/null
check "the fixture: a/two.wav is a near-duplicate of a/one.wav" \
	grep -q '^a/two\.wav	near-duplicate	near copy of a/one\.wav (group of 3, ' "$TMP/findings"
check "... b/three.wav a label-conflict" grep -q '^b/three\.wav	label-conflict	' "$TMP/findings"
check "... a/other.wav and b/four.wav nobody's copy" sh -c \
	"! grep -qE '^(a/other|b/four)\\.wav	' '$TMP/findings'"

tmux_start 80 24 "$WINNOW" "$ds"
check "the near copies' badges" screen_wait "conflict"
# Rows in path order: a/one a/other a/two b/four b/three.
check "a/one.wav selected" screen_wait " 1/5 "
tmux_keys C
check "C: the next copy, a/two.wav (past a/other.wav)" screen_wait " 3/5 "
# the preview's column, its lines joined, in $TMP/preview
preview() { screen_settled | awk -F'│' 'NF > 2 { print $3 }' | tr -s ' \n' '  ' >"$TMP/preview"; }
preview
check "the preview says why" grep -q 'near-duplicate: near copy of' "$TMP/preview"
check "... naming the copy and the group, whole at 80 columns" \
	grep -q 'a/one.wav (group of 3, waveforms correlate' "$TMP/preview"
tmux_keys C
check "C: then b/three.wav (past b/four.wav)" screen_wait " 5/5 "
preview
check "... a label-conflict, with the label of its copy" \
	grep -q 'label-conflict: near copy of a/one.wav, labelled a' "$TMP/preview"
tmux_keys C
check "C: round again to a/one.wav" screen_wait " 1/5 "
tmux_keys j
check "a/other.wav selected" screen_wait " 2/5 "
tmux_keys C
check "C on a sample with no copy: says so, and stays" screen_wait "no copy of this sample"
check "... on a/other.wav" screen_wait " 2/5 "
tmux_keys '?'
check "? opens the keys" screen_wait "select the next sample"
# page through the help until the line is there
pages=0
while ! screen | grep -qE ' C +the next copy of the selection, exact or near' && [ $pages -lt 6 ]; do
	tmux_keys NPage
	sleep 0.3
	pages=$((pages + 1))
done
screen_settled >"$TMP/help"
check "? lists next-copy on C" grep -qE ' C +the next copy of the selection, exact or near' "$TMP/help"
tmux_keys q
tmux_stop

# A group joined by the same bytes as well as near: x/c.wav is x/a.wav
# byte for byte (a duplicate, no near line of its own), x/d.wav the same
# 6 dB down. C steps all three, in path order, and says where it is.
ds2=$TMP/ds2
mkdir -p "$ds2/x"
cp "$ds/a/one.wav" "$ds2/x/a.wav"
cp "$ds/a/other.wav" "$ds2/x/b.wav"
cp "$ds/a/one.wav" "$ds2/x/c.wav"
cp "$ds/a/two.wav" "$ds2/x/d.wav"
"$WINNOW" check "$ds2" >"$TMP/findings2" 2>/dev/null
check "the fixture: x/c.wav a duplicate of x/a.wav" \
	grep -q '^x/c\.wav	duplicate	same bytes as x/a\.wav' "$TMP/findings2"
check "... x/d.wav a near-duplicate" grep -q '^x/d\.wav	near-duplicate	' "$TMP/findings2"
tmux_start 80 24 "$WINNOW" "$ds2"
check "the badges" screen_wait "dup"
check "x/a.wav selected" screen_wait " 1/4 "
tmux_keys C
check "C: the same bytes, x/c.wav (past x/b.wav)" screen_wait " 3/4 "
check "... copy 2 of 3 on the status line" screen_wait "copy 2 of 3"
tmux_keys C
check "C: then the near copy, x/d.wav" screen_wait " 4/4 "
check "... copy 3 of 3" screen_wait "copy 3 of 3"
tmux_keys C
check "C: round again to x/a.wav" screen_wait " 1/4 "
check "... copy 1 of 3" screen_wait "copy 1 of 3"
tmux_keys g j j
check "x/c.wav selected by hand" screen_wait " 3/4 "
tmux_keys C
check "C from the exact copy: on to x/d.wav" screen_wait " 4/4 "
tmux_keys q
tmux_stop

finish
