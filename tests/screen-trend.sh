#!/bin/sh
# screen-trend.sh — at 80×24, trend.tsv where the dataset cannot take it:
# each whole load of predictions is a row in $XDG_STATE_HOME/winnow, beside
# the journal, the status line says so, nothing is written in the dataset,
# and the sparklines follow the loads, across sessions too.
. "${top_srcdir:-.}/tests/lib.sh"
need tmux sox

ds=$TMP/ro
mkdir -p "$ds/no" "$ds/yes"
for n in 1 2 3 4; do
	sox -q -n -r 16000 -c 1 -b 16 "$ds/no/n$n.wav" synth 0.1 sine $((300 + n * 10))
	sox -q -n -r 16000 -c 1 -b 16 "$ds/yes/y$n.wav" synth 0.1 sine $((500 + n * 10))
done
# A .winnow that is a file: no one, root included, can write there.
echo "not a folder" >"$ds/.winnow"
preds() {   # preds N: n1..nN predicted yes, the rest right
	{
		echo "path,pred"
		for n in 1 2 3 4; do
			if [ "$n" -le "$1" ]; then echo "no/n$n.wav,yes"; else echo "no/n$n.wav,no"; fi
			echo "yes/y$n.wav,yes"
		done
	} >"$ds/.pred.tmp" && mv "$ds/.pred.tmp" "$ds/predictions.csv"
}
state=$XDG_STATE_HOME/winnow
# spark BARS: no's line of the matrix ends its recall with BARS
spark() { screen | grep -qE "│1 no .* $1 "; }
rows() { cat "$state"/ro-*.trend.tsv 2>/dev/null | grep -vc '^time'; }

preds 0
tmux_start 80 24 "$WINNOW" "$ds"
check "the predictions are loaded" screen_wait "loaded "
expect_soon "the load is a row of trend.tsv in \$XDG_STATE_HOME/winnow" 1 rows
preds 1
check "the second load" screen_wait "accuracy 1.000 → 0.875"
expect_soon "and its row" 2 rows
check "the sparklines show after two loads" screen_wait "recall by load"
check "no's recall, 1.00 then 0.75" wait_for spark "█▆"
# Wide enough for every slot of the status line.
tmux_resize 200 24
check "the status line says where the trend went" \
	screen_wait "predictions 8 of 8 · trend beside the journal (dataset read-only)"
tmux_keys q
expect_exit "q quits" 0
tmux_stop
check "the trend sits beside the journal, named alike" sh -c '
	for t in "$1"/ro-*.trend.tsv; do test -f "${t%.trend.tsv}.yaml" || exit 1; done' - "$state"
expect_eq "nothing was written in the dataset" "$(cat "$ds/.winnow")" "not a folder"

# Started again: the rows of the session before are read back.
tmux_start 80 24 "$WINNOW" "$ds"
check "started again" screen_wait "loaded "
expect_soon "a third row" 3 rows
check "no's sparkline has the loads before" wait_for spark "█▆▆"
tmux_keys q
expect_exit "q quits" 0
tmux_stop
finish
