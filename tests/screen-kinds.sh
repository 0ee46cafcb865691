#!/bin/sh
# screen-kinds.sh — at 80×24, a relabel into a class that holds another
# kind of file (a clip into a class of pictures, a picture into a class of
# clips) asks first, verdict first: n writes nothing to the journal, y
# writes the relabel as usual. A class that holds the sample's own kind
# among others does not ask.
. "${top_srcdir:-.}/tests/lib.sh"
need tmux sox convert

ds=$TMP/ds
mkdir -p "$ds/cat" "$ds/dog" "$ds/mixed"
convert -size 16x12 xc:red "$ds/cat/c1.png"
convert -size 16x12 xc:blue "$ds/cat/c2.png"
sox -q -n -r 16000 -c 1 -b 16 "$ds/dog/d1.wav" synth 0.3 sine 300
sox -q -n -r 16000 -c 1 -b 16 "$ds/dog/d2.wav" synth 0.3 sine 320
sox -q -n -r 16000 -c 1 -b 16 "$ds/mixed/m1.wav" synth 0.3 sine 340
convert -size 16x12 xc:green "$ds/mixed/m2.png"
J=$ds/.winnow/journal.yaml

relabels() { grep -c '^op: relabel' "$J"; }
tmux_start 80 24 "$WINNOW" "$ds"
check "the journal is open" screen_wait "0 decisions"
before=$(cat "$J")

# dog/d1.wav, the third row, to cat (1): pictures only.
tmux_keys g j j
check "dog/d1.wav selected" screen_wait " 3/6 "
tmux_keys 1
check "1: a clip into a class of pictures asks, verdict first" \
	screen_wait "another kind: cat holds images, this is a clip — relabel anyway? (y/n)"
tmux_keys n
check "n: not relabelled" screen_wait "not relabelled"
expect_eq "n: the journal is unchanged" "$(cat "$J")" "$before"

# The same by the prompt.
tmux_keys r c a t Enter
check "r cat: the same question" screen_wait "another kind: cat holds images, this is a clip"
tmux_keys Escape
check "Esc: not relabelled" screen_wait "not relabelled"
expect_eq "Esc: the journal is unchanged" "$(cat "$J")" "$before"

tmux_keys 1
check "1 again: asked" screen_wait "relabel anyway? (y/n)"
tmux_keys y
check "y: relabelled" screen_wait "1 decision (R1)"
check "y: the relabel is in the journal" wait_for sh -c 'grep -q "^to: \"cat\"$" "$1"' - "$J"
expect_eq "y: one relabel entry" "$(relabels)" 1

# cat/c1.png (the first row) into dog: clips only.
tmux_keys g r d o g Enter
check "r dog on a picture: a class of clips" \
	screen_wait "another kind: dog holds clips, this is an image — relabel anyway?"
tmux_keys n
check "n: not relabelled" screen_wait "not relabelled"
expect_eq "n: still one relabel entry" "$(relabels)" 1

# dog/d2.wav into mixed, which holds a clip among its pictures: no question.
tmux_keys g j j j 3
check "3: a clip into a class with clips: relabelled at once" screen_wait "2 decisions (R2)"
check "... with no question" not_on_screen "another kind"
expect_eq "two relabel entries" "$(relabels)" 2

tmux_keys q
expect_exit "q quits" 0
tmux_stop
finish
