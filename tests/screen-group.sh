#!/bin/sh
# screen-group.sh — relabelling a whole group in the real browser (tmux): a
# class whose embeddings hold a planted second group, most of it predicted
# as another label; the cluster view's Enter on that group fills the file
# pane, `*` offers that label, asks with the count (one sample already so
# and one to delete are left out and said), and writes one relabel per
# sample; `u` undoes the whole batch, in a later session too; a filter
# works the same, and n writes nothing.
. "${top_srcdir:-.}/tests/lib.sh"
need tmux
[ -x "$PYTHON" ] && "$PYTHON" -c 'import numpy, yaml' 2>/dev/null ||
	skip "numpy and PyYAML (python3-numpy, python3-yaml) are not installed"

D=$TMP/ds
J=$D/.winnow/journal.yaml
# 60 clips a label (each its own tone, so no two are duplicates; a class
# needs 40 to be split) in 8 dimensions; a third of "yes" 10 standard
# deviations away, predicted "no" but for five predicted "up"; every other
# clip predicted as labelled.
"$PYTHON" - "$D" "$TMP" <<'EOF'
import numpy as np, os, sys, wave
root, tmp = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(11)
d = 8
centre = {"no": 14 * np.eye(d)[0], "up": 7 * np.eye(d)[1], "yes": np.zeros(d)}
emb, pred, group = [], [], []
for n, lab in enumerate(("no", "up", "yes")):
    os.makedirs(f"{root}/{lab}")
    for i in range(60):
        path = f"{lab}/{lab}{i:02d}_nohash_0.wav"
        t = np.arange(8000) / 16000
        tone = (0.3 * 32767 * np.sin(2 * np.pi * (200 + 200 * n + 3 * i) * t)).astype("<i2")
        with wave.open(f"{root}/{path}", "wb") as w:
            w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
            w.writeframes(tone.tobytes())
        v = centre[lab] + rng.standard_normal(d)
        p = lab
        if lab == "yes" and i % 3 == 0:
            v += 10 * np.eye(d)[2]
            group.append(path)
            p = "up" if i in (6, 15, 24, 33, 42) else "no"
        emb.append((path, v))
        pred.append((path, p))
with open(f"{tmp}/embeddings.tsv", "w") as f:
    for p, v in emb:
        f.write(p + "\t" + "\t".join("%.6f" % x for x in v) + "\n")
with open(f"{root}/predictions.csv", "w") as f:
    f.write("path,pred\n" + "".join(f"{p},{q}\n" for p, q in pred))
open(f"{tmp}/group", "w").write("\n".join(group) + "\n")
EOF
[ -s "$TMP/group" ] || fail "making the dataset"

# filter TEXT: the file pane filtered by TEXT.
filter() { tmux_keys /; tmux_keys -l "$1"; tmux_keys Enter; }

tmux_start 120 40 "$WINNOW" -e "$TMP/embeddings.tsv" "$D"
check "the journal is loaded" screen_wait "0 decisions · journal .winnow/journal.yaml"
screen_wait "→no" >/dev/null       # the predictions are in

# Two samples of the group decided first: one deleted, one relabelled to no.
filter yes00_
check "a filter on one sample of the group" screen_wait "files (1 of 180"
tmux_keys d
check "it is to be deleted" screen_wait "1 decision (D1)"
tmux_keys Escape
filter yes03_
screen_wait "files (1 of 180" >/dev/null
tmux_keys r
screen_wait "relabel to (Enter: no)" >/dev/null
tmux_keys Enter
check "another is relabelled to no" screen_wait "2 decisions (R1 D1)"
tmux_keys Escape
check "back to every sample" screen_wait "files (180)"

# The cluster view: the split class, then its group of 20.
tmux_keys c
check "the cluster view" screen_wait "clusters (all · 180 points"
tmux_keys Tab Tab ]
check "] shows the split class" screen_wait "clusters (yes · 60 points · split"
# G: the number of the group of 20.
group_of_20() { G=$(screen | sed -n 's/.*group \([12]\)  *20│.*/\1/p'); [ -n "$G" ]; }
wait_for group_of_20
groups_20_40() { [ -n "$G" ] && screen | grep -q "group $((3 - G))  *40│"; }
check "its groups are of 20 and 40" wait_for groups_20_40
# A point of the 20 under the cursor: the cursor follows the file pane's
# selection, here to a planted sample that no decision touched.
planted=yes/yes09_nohash_0.wav
select_clip "the file pane selects $planted" "$D" "$planted" 180
tmux_keys Tab Tab
under_cursor() { screen | grep -q "^│$planted  yes · outlier [0-9.]* · group $G "; }
check "the cluster cursor follows to it, in group $G" wait_for under_cursor
tmux_keys Enter
check "Enter: the group in the file pane" screen_wait "20 of 180 · filter: yes group $G of 2"
shown() { screen | sed -n '2,24p' | grep -o 'yes/yes[0-9]*_nohash_0.wav' | sort; }
expect_soon "exactly the planted group" "$(cat "$TMP/group")" shown

# * over the group, the focus still on the cluster view.
tmux_keys '*'
check "*: the label most of them are predicted as, offered first" \
	screen_wait "relabel 20 shown to (Enter: no):"
tmux_keys Enter
check "the question names the count and what is left out" \
	screen_wait "relabel 18 of 20 shown samples to no (1 already no, 1 to delete)? (y/n)"
tmux_keys y
check "the message says what was done" \
	screen_wait "relabelled 18 samples to no (1 already no, 1 to delete)"
check "the status line counts each" screen_wait "20 decisions (R19 D1)"
relabelled_rows() { screen | sed -n '2,24p' | grep -c '^│ R no  *yes/yes'; }
expect_soon "the file pane shows them at once" 19 relabelled_rows
# Now that they are no, the prediction that differs from their label is up.
tmux_keys '*'
check "again: up offered first" screen_wait "relabel 20 shown to (Enter: up):"
tmux_keys -l no
tmux_keys Enter
check "to no again: nothing to relabel" screen_wait "nothing to relabel (19 already no, 1 to delete)"

# From a filter: n answers no, and nothing is written.
tmux_keys Escape
screen_wait "files (180)" >/dev/null
cp "$J" "$TMP/before-n"
filter label=up
check "a filter: one label" screen_wait "files (60 of 180"
tmux_keys '*'
check "*: a prompt without a predicted label" screen_wait "relabel 60 shown to:"
tmux_keys -l yes
tmux_keys Enter
check "every shown sample counted" screen_wait "relabel 60 shown samples to yes? (y/n)"
tmux_keys n
check "n: not relabelled" screen_wait "not relabelled"
check "n: the journal is as it was" cmp -s "$J" "$TMP/before-n"
tmux_keys q
check "quit" wait_exit

# ---- the journal: one relabel per sample of the group, one batch ----
"$PYTHON" - "$J" "$TMP/group" "$D" >"$TMP/py" 2>&1 <<'EOF'
import hashlib, sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))[1:]
ends = [e for e in docs if e["op"] == "batch-end"]
docs = [e for e in docs if e["op"] != "batch-end"]
group = open(sys.argv[2]).read().split()
batch = [e for e in docs if e.get("batch")]
assert [e["op"] for e in docs[:2]] == ["delete", "relabel"], docs[:2]
assert "batch" not in docs[1], docs[1]
want = sorted(set(group) - {"yes/yes00_nohash_0.wav", "yes/yes03_nohash_0.wav"})
assert sorted(e["path"] for e in batch) == want, [e["path"] for e in batch]
assert len(docs) == 2 + len(want), len(docs)
first = batch[0]["id"]
assert [e["id"] for e in batch] == list(range(first, first + len(want)))
for e in batch:
    assert e["op"] == "relabel" and e["label"] == "yes" and e["to"] == "no", e
    assert e["batch"] == first, e
    assert e["sha256"] == hashlib.sha256(open(sys.argv[3] + "/" + e["path"], "rb").read()).hexdigest()
assert ends == [{"op": "batch-end", "batch": first, "count": len(want)}], ends
print("ok", first)
EOF
case "$(cat "$TMP/py")" in
"ok "*) pass "the journal: one relabel per sample of the group, all of one batch"
	FIRST=$(cut -d' ' -f2 "$TMP/py") ;;
*) fail "the journal: one relabel per sample of the group"; head -c 2000 "$TMP/py" | sed 's/^/#   /' ;;
esac

# ---- reopened: there, and one u undoes the batch ----
tmux_stop
tmux_start 120 40 "$WINNOW" -e "$TMP/embeddings.tsv" "$D"
check "reopened: every relabel is there" screen_wait "20 decisions (R19 D1)"
tmux_keys u
check "reopened: u undoes the whole batch" screen_wait "undone: relabel of 18 samples made together"
check "reopened: the decisions before it stand" screen_wait "2 decisions (R1 D1)"
tmux_keys q
check "quit after the undo" wait_exit
"$PYTHON" - "$J" "${FIRST:-0}" >"$TMP/py" 2>&1 <<'EOF'
import sys, yaml
docs = list(yaml.safe_load_all(open(sys.argv[1])))[1:]
first = int(sys.argv[2])
undos = [e for e in docs if e["op"] == "undo"]
assert sorted(e["target"] for e in undos) == list(range(first, first + 18)), undos
# The relabels' batch and the undos' batch, each closed by its marker.
assert [e["count"] for e in docs if e["op"] == "batch-end"] == [18, 18], docs
assert len(docs) == 40, len(docs)
print("ok")
EOF
expect_eq "the journal: an undo entry for each of the batch, nothing rewritten" \
	"$(head -c 2000 "$TMP/py")" "ok"

tmux_stop
tmux_start 120 40 "$WINNOW" -e "$TMP/embeddings.tsv" "$D"
check "reopened again: the undo stands" screen_wait "2 decisions (R1 D1)"
tmux_keys q
wait_exit
finish
