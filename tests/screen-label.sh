#!/bin/sh
# screen-label.sh — labelling new data in the real browser (tmux): the
# uncertain sort against margins python computes from the predictions
# file, `y` on a clip without a label and on a suspect, the status line's
# count of samples left unlabeled; then `winnow apply` and `apply --undo`,
# byte for byte, on a folder tree (_unlabeled/x.wav moves into its label's
# folder) and on a manifest (the empty label is filled in).
. "${top_srcdir:-.}/tests/lib.sh"
need tmux sox sha256sum
[ -x "$PYTHON" ] || skip "$PYTHON is not installed"

# tree DIR: every name under DIR but .winnow, with its type, mode and
# sha256, one a line, sorted.
tree() {
	(cd "$1" && find . -path ./.winnow -prune -o -print | LC_ALL=C sort | while IFS= read -r f; do
		if [ -d "$f" ]; then
			printf '%s dir %s\n' "$f" "$(stat -c %a "$f")"
		else
			printf '%s file %s %s\n' "$f" "$(stat -c '%a %s' "$f")" \
				"$(sha256sum <"$f" | cut -d' ' -f1)"
		fi
	done)
}
sha() { sha256sum <"$1" | cut -d' ' -f1; }
tone() { sox -q -n -r 16000 -c 1 -b 16 "$1" synth 0.4 sine "$2"; }
# rows: the file pane's paths, top to bottom.
rows() { screen | awk -F'│' 'NF > 2 { print $2 }' | grep -o '[^ ]*\.wav'; }
# sort_to NAME: press s until the file pane is sorted by NAME.
sort_to() {
	for _ in 1 2 3 4 5 6 7 8; do
		screen | grep -qF "sort: $1)" && return 0
		tmux_keys s
		WAIT_SECONDS=5 screen_wait "sorted by" >/dev/null 2>&1
		sleep 0.2
	done
	screen | grep -qF "sort: $1)"
}
# select PATH: filter the file pane down to PATH.
select_path() {
	tmux_keys /
	screen_wait "filter: " >/dev/null || return 1
	tmux_keys -l "$1"
	tmux_keys Enter
	expect_soon "only $1 is shown" "$1" rows
}

# ---- folders: _unlabeled/ beside the labels ----
D=$TMP/ds
mkdir -p "$D/no" "$D/up" "$D/yes" "$D/_unlabeled"
tone "$D/no/n1.wav" 300
tone "$D/no/n2.wav" 310
tone "$D/up/u1.wav" 320
tone "$D/up/u2.wav" 330
tone "$D/yes/y1.wav" 340
tone "$D/yes/y2.wav" 350
tone "$D/_unlabeled/x1.wav" 360
tone "$D/_unlabeled/x2.wav" 370
tone "$D/_unlabeled/x3.wav" 380
# Margins (top two probabilities apart) all differ; yes/y1.wav is a suspect
# (labelled yes, sure of no).
cat >"$D/predictions.csv" <<'EOF'
path,pred,p_no,p_up,p_yes
no/n1.wav,no,0.60,0.30,0.10
no/n2.wav,no,0.80,0.10,0.10
up/u1.wav,up,0.10,0.85,0.05
up/u2.wav,up,0.25,0.40,0.35
yes/y1.wav,no,0.90,0.05,0.05
yes/y2.wav,yes,0.20,0.30,0.50
_unlabeled/x1.wav,yes,0.10,0.20,0.70
_unlabeled/x2.wav,up,0.33,0.45,0.22
_unlabeled/x3.wav,no,0.50,0.47,0.03
EOF
# The order the sort must give, from the file alone: samples without a
# label (in a _ folder) first, then the rest; each by margin, smallest first.
"$PYTHON" - "$D/predictions.csv" >"$TMP/want-order" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
def key(r):
    p = sorted((float(v) for k, v in r.items() if k.startswith("p_")), reverse=True)
    return (not r["path"].startswith("_"), p[0] - p[1], r["path"])
for r in sorted(rows, key=key):
    print(r["path"])
EOF
before=$(tree "$D")
x3=$(sha "$D/_unlabeled/x3.wav") y1=$(sha "$D/yes/y1.wav")

tmux_start 160 30 "$WINNOW" "$D"
check "the status line counts the samples without a label" screen_wait "3 unlabeled"
check "the predictions are in" screen_wait "→yes 0.70"
check "s reaches the uncertain sort" sort_to uncertain
expect_soon "uncertain: unlabeled first, then by margin (python's order)" \
	"$(cat "$TMP/want-order")" rows

# y on the least certain clip without a label: it gets the model's label.
tmux_keys g y
check "y labels _unlabeled/x3.wav as the model says" screen_wait "labelled _unlabeled/x3.wav: no"
check "one fewer left unlabeled" screen_wait "2 unlabeled"
expect_soon "labelling keeps the order (the dataset's label sorts)" \
	"$(cat "$TMP/want-order")" rows
# y on a suspect: it is relabelled to the prediction.
select_path yes/y1.wav
tmux_keys y
check "y relabels the suspect yes/y1.wav to no" screen_wait "relabelled yes/y1.wav: yes → no"
check "both are decisions" screen_wait "2 decisions (R2)"
tmux_keys Escape
select_path no/n2.wav
tmux_keys y
check "y where the model agrees: nothing to do" screen_wait "no/n2.wav is labelled no already"
tmux_keys q
expect_exit "quit" 0

J=$D/.winnow/journal.yaml
check "the journal: a relabel whose label is \"\"" \
	grep -qx 'label: ""' "$J"
"$PYTHON" - "$J" >"$TMP/py" 2>&1 <<'EOF'
import sys
docs = open(sys.argv[1]).read().split("\n---\n")[1:]
got = []
for d in docs:
    kv = dict(l.split(": ", 1) for l in d.splitlines() if ": " in l)
    got.append((kv["op"], kv["path"], kv["label"], kv.get("to")))
assert got == [("relabel", '"_unlabeled/x3.wav"', '""', '"no"'),
               ("relabel", '"yes/y1.wav"', '"yes"', '"no"')], got
EOF
check "the journal has the two relabels, in order" test ! -s "$TMP/py"
sed 's/^/#   /' "$TMP/py"

expect_status "apply" 0 "$WINNOW" apply "$J"
record=$(sed -n 's/^record: //p' "$TMP/out")
check "_unlabeled/x3.wav moved into no/, bytes unchanged" \
	test "$(sha "$D/no/x3.wav" 2>/dev/null)" = "$x3" -a ! -e "$D/_unlabeled/x3.wav"
check "yes/y1.wav moved into no/, bytes unchanged" \
	test "$(sha "$D/no/y1.wav" 2>/dev/null)" = "$y1" -a ! -e "$D/yes/y1.wav"
expect_status "a second apply" 0 "$WINNOW" apply "$J"
check "changes nothing" contains "$TMP/out" "moved 0"
expect_status "undo" 0 "$WINNOW" apply --undo "$record"
expect_eq "undo: the tree as it was, byte for byte" "$(tree "$D")" "$before"

# ---- a manifest whose row has an empty label ----
M=$TMP/m
mkdir -p "$M/clips"
tone "$M/clips/a.wav" 400
tone "$M/clips/b.wav" 410
tone "$M/clips/c.wav" 420
printf 'path,label,split\nclips/a.wav,yes,train\nclips/b.wav,,train\nclips/c.wav,no,test\n' >"$M/labels.csv"
printf 'path,pred,p_no,p_yes\nclips/a.wav,no,0.9,0.1\nclips/b.wav,no,0.7,0.3\nclips/c.wav,no,0.8,0.2\n' \
	>"$M/predictions.csv"
mbefore=$(tree "$M")

tmux_start 160 30 "$WINNOW" "$M/labels.csv"
check "manifest: the row without a label is a sample" screen_wait "clips/b.wav"
check "manifest: counted unlabeled" screen_wait "1 unlabeled"
check "manifest: the predictions are in" screen_wait "→no 0.70"
select_path clips/b.wav
tmux_keys y
check "manifest: y labels clips/b.wav" screen_wait "labelled clips/b.wav: no"
tmux_keys Escape
select_path clips/a.wav
tmux_keys y
check "manifest: y relabels the suspect clips/a.wav" screen_wait "relabelled clips/a.wav: yes → no"
tmux_keys q
expect_exit "manifest: quit" 0

MJ=$M/.winnow/labels.csv.journal.yaml
expect_status "manifest: apply" 0 "$WINNOW" apply "$MJ"
mrecord=$(sed -n 's/^record: //p' "$TMP/out")
expect_eq "manifest: the empty label is filled in, the suspect's changed" \
	"$(cat "$M/labels.csv")" "$(printf 'path,label,split\nclips/a.wav,no,train\nclips/b.wav,no,train\nclips/c.wav,no,test')"
expect_status "manifest: undo" 0 "$WINNOW" apply --undo "$mrecord"
expect_eq "manifest: undo gives the tree back, byte for byte" "$(tree "$M")" "$mbefore"

finish
