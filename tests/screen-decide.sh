#!/bin/sh
# screen-decide.sh — decisions in the real browser (tmux): delete, accept,
# flag, relabel by number and by prompt (the predicted label offered first,
# a new label confirmed, a note), undo, a note; the file pane's glyphs and
# the status line's counts; quit and reopen: all there. A second browser on
# the journal is refused; a torn tail is reported and dropped; the journal
# is YAML that another reader takes as strings (yes/no are labels).
. "${top_srcdir:-.}/tests/lib.sh"
need tmux sox

ds=$TMP/ds
mkdir -p "$ds/no" "$ds/up" "$ds/yes"
tone() { sox -q -n -r 16000 -c 1 -b 16 "$ds/$1" synth 0.5 sine "$2"; }
tone no/n1.wav 300
tone no/n2.wav 310
tone up/u1.wav 320
tone up/u2.wav 330
tone yes/y1.wav 340
tone yes/y2.wav 350
tone yes/y3.wav 360
printf 'path,pred\nyes/y1.wav,no\nyes/y2.wav,yes\n' >"$ds/predictions.csv"
J=$ds/.winnow/journal.yaml

# row PATH: the file pane's row of a sample (text between the first two bars).
row() { screen | grep -F -- "$1" | head -1 | awk -F'│' '{print $2}'; }
# glyph PATH: the decision column of its row.
glyph() { row "$1" | cut -c2; }
wait_glyph() {
	end=$(( $(date +%s) + WAIT_SECONDS ))
	while [ "$(date +%s)" -le "$end" ]; do
		[ "$(glyph "$1")" = "$2" ] && return 0
		sleep 0.05
	done
	echo "# $1: glyph '$(glyph "$1")', want '$2'; row: $(row "$1")" >&2
	return 1
}

tmux_start 160 30 "$WINNOW" "$ds"
check "the journal is loaded: no decisions yet" screen_wait "0 decisions · journal .winnow/journal.yaml"
check "the journal file is made with its header" grep -q '^winnow-journal: 2$' "$J"

tmux_keys g d
check "d: marked for deletion (D)" wait_glyph no/n1.wav D
check "the status line counts it" screen_wait "1 decision (D1)"
tmux_keys j a
check "a: accepted (A)" wait_glyph no/n2.wav A
tmux_keys j f
check "f: flagged (F)" wait_glyph up/u1.wav F
tmux_keys j 3
check "3: relabelled to the third label (R)" wait_glyph up/u2.wav R
case "$(row up/u2.wav)" in *yes*up/u2.wav*) pass "its row shows the new label, yes" ;;
	*) fail "its row shows the new label, yes: $(row up/u2.wav)" ;; esac
# The predicted label comes first once the browser has the predictions
# (the file pane then shows yes/y1.wav's, →no).
if WAIT_SECONDS=5 screen_wait "→no" >/dev/null 2>&1; then
	tmux_keys j r
	check "r: the prompt offers the predicted label" screen_wait "relabel to (Enter: no):"
	tmux_keys Enter
	check "Enter takes the predicted label" wait_glyph yes/y1.wav R
else
	echo "# the browser shows no predictions: the predicted label is not checked"
	tmux_keys j r
	check "r: the prompt" screen_wait "relabel to: "
	check "the menu lists the other labels" screen_wait "│ up "
	tmux_keys n Tab Enter
	check "Tab completes a label; Enter relabels" wait_glyph yes/y1.wav R
fi
check "the message says it" screen_wait "relabelled yes/y1.wav: yes → no"
tmux_keys j r
check "no prediction other than its label: a plain prompt" screen_wait "relabel to: "
tmux_keys -l "left # typed by hand"
tmux_keys Enter
check "a new label asks first" screen_wait "left is a new label: create it? (y/n)"
tmux_keys y
check "then relabels" wait_glyph yes/y2.wav R
tmux_keys j d
check "d on the last row" wait_glyph yes/y3.wav D
tmux_keys u
check "u undoes it" wait_glyph yes/y3.wav " "
check "the message says what was undone" screen_wait "undone: delete of yes/y3.wav"
tmux_keys m
check "m asks for a note" screen_wait "note: "
tmux_keys -l "listen again"
tmux_keys Enter
check "the note is saved" screen_wait "note added: yes/y3.wav"
check "counts: 6 decisions by kind" screen_wait "6 decisions (R3 D1 A1 F1)"

# A second browser on the same journal is refused, and says why.
tmux -L "$TMUX_SOCKET" new-window -t t: "exec env HOME='$HOME' '$WINNOW' '$ds' 2>/dev/null"
check "a second browser: the journal is in use" screen_wait "in use by another winnow"
tmux_keys d
check "and it makes no decision" screen_wait "decisions off:"
tmux_keys q
# Its window stays (remain-on-exit) and keeps the focus: close it, so the
# next q reaches the first browser.
wait_for sh -c "tmux -L '$TMUX_SOCKET' display-message -p -t t:1 '#{pane_dead}' | grep -qx 1"
tmux -L "$TMUX_SOCKET" kill-window -t t:1

tmux_keys q
check "quit" wait_exit

# ---- the journal on disk ----
check "labels are double-quoted" grep -q '^label: "no"$' "$J"
check "to: is double-quoted" grep -q '^to: "left"$' "$J"
check "the note of the relabel" grep -q '^note: "typed by hand"$' "$J"
check "undo is an entry, nothing rewritten" grep -q '^op: undo$' "$J"
check "the deletion is still in the file" grep -q '^op: delete$' "$J"
check "sha256 of each decided file" grep -q "^sha256: $(sha256sum <"$ds/no/n1.wav" | cut -d' ' -f1)\$" "$J"
if $PYTHON -c 'import yaml' 2>/dev/null; then
	$PYTHON - "$J" >"$TMP/py" 2>&1 <<'EOF'
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))
head, entries = docs[0], docs[1:]
assert head["winnow-journal"] == 2 and head["layout"] == "folders", head
for e in entries:
    for k in ("label", "to", "path"):
        if k in e:
            assert isinstance(e[k], str), (k, e[k])
ops = [e["op"] for e in entries]
assert ops == ["delete", "accept", "flag", "relabel", "relabel", "relabel", "delete",
               "undo", "note"], ops
undo = entries[7]
assert undo["target"] == entries[6]["id"], undo
assert entries[4]["to"] == "no" and entries[4]["label"] == "yes"
print("ok")
EOF
	expect_eq "another YAML reader: every label a string, the ops in order" "$(cat "$TMP/py")" "ok"
fi

# ---- reopen: every decision is there ----
tmux_stop
tmux_start 160 30 "$WINNOW" "$ds"
check "reopened: the counts" screen_wait "6 decisions (R3 D1 A1 F1)"
check "reopened: D" wait_glyph no/n1.wav D
check "reopened: A" wait_glyph no/n2.wav A
check "reopened: F" wait_glyph up/u1.wav F
check "reopened: R" wait_glyph up/u2.wav R
check "reopened: R (predicted)" wait_glyph yes/y1.wav R
check "reopened: R (new label)" wait_glyph yes/y2.wav R
check "reopened: the undone delete stays undone" wait_glyph yes/y3.wav " "
tmux_keys q
wait_exit

# ---- a torn tail: reported, dropped, kept aside; the rest stands ----
printf -- '---\nid: 99\nop: delete\npath: "yes/y3.w' >>"$J"
tmux_stop
tmux_start 160 30 "$WINNOW" "$ds"
check "a torn tail is reported" screen_wait "the last entry is incomplete"
tmux_keys s     # a short message in place of the long one
check "the decisions before it stand" screen_wait "6 decisions (R3 D1 A1 F1)"
tmux_keys q
wait_exit
check "its bytes are kept in journal.yaml.torn" grep -q 'yes/y3.w' "$J.torn"
check "and the journal is whole again" sh -c "tail -c 4 '$J' | grep -q '^\.\.\.\$'"

# ---- a read-only dataset: the journal goes to $XDG_STATE_HOME ----
ro=$TMP/ro
mkdir -p "$ro/yes"
cp "$ds/yes/y1.wav" "$ro/yes/"
tmux_stop
if [ "$(id -u)" -eq 0 ]; then
	# Root writes anywhere: run as nobody, for whom the dataset is read-only.
	chmod 755 "$TMP"
	mkdir -p "$TMP/nobody"
	chown 65534 "$TMP/nobody"
	# Through tmux_start, so that its exit status and stderr are kept.
	tmux_start 140 30 env HOME="$TMP/nobody" XDG_STATE_HOME="$TMP/nobody/state" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$WINNOW" "$ro"
	state=$TMP/nobody/state
else
	chmod 555 "$ro"
	tmux_start 140 30 "$WINNOW" "$ro"
	state=$XDG_STATE_HOME
fi
check "read-only: the status line says where the journal is" screen_wait "(dataset read-only)"
tmux_keys d
check "read-only: decisions still work" screen_wait "1 decision (D1)"
tmux_keys q
expect_exit "read-only: q ends winnow" 0
check "read-only: the journal is in XDG_STATE_HOME/winnow" sh -c "ls '$state'/winnow/ro-*.yaml >/dev/null"
check "read-only: nothing written in the dataset" test ! -e "$ro/.winnow"
chmod 755 "$ro"
finish
