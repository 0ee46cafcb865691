#!/bin/sh
# trend.sh — `winnow trend` against scikit-learn: a spoken dataset
# (tests/make-fixtures), per-epoch predictions files written by Python, and
# accuracy_score and recall_score over the labelled rows in the dataset, with
# and without a journal's decisions, as TSV and JSON; a label with no samples
# counted shows '-'; a file that cannot be read exits 2 with one line.
. "${top_srcdir:-.}/tests/lib.sh"
need espeak-ng sox
[ -x "$PYTHON" ] || skip "$PYTHON is not installed"
"$PYTHON" -c 'import sklearn' 2>/dev/null || skip "python3-sklearn is not installed"

# A training run's folder: the dataset, and its predictions beside it.
run=$TMP/training ds=$TMP/training/speech
mkdir "$run" "$run/preds"
sh "$top_srcdir/tests/make-fixtures" speech "$ds" >/dev/null 2>&1 || { fail "make-fixtures speech"; finish; }

# ---- per-epoch predictions: seeded, better each epoch ----
"$PYTHON" - "$ds" "$run/preds" <<'EOF2' || exit 1
import os, random, sys
root, out = sys.argv[1], sys.argv[2]
rng = random.Random(11)
samples = []
for label in sorted(os.listdir(root)):
    d = os.path.join(root, label)
    if os.path.isdir(d) and not label.startswith("."):
        samples += [f"{label}/{n}" for n in sorted(os.listdir(d))]
labels = sorted({p.split("/")[0] for p in samples if not p.startswith("_")})
for epoch in range(1, 5):
    rows = []
    for path in samples:
        truth = path.split("/")[0]
        if epoch == 3 and truth == "left":
            continue                  # no row for any "left": its recall is undefined
        if rng.random() < 0.1:
            continue                  # no prediction for this one
        if truth.startswith("_") or rng.random() > 0.3 + 0.15 * epoch:
            pred = rng.choice(labels + ["_unknown_"])
        else:
            pred = truth
        rows.append((path, pred))
    rows.append(("yes/not-there.wav", "yes"))
    rng.shuffle(rows)
    with open(os.path.join(out, f"epoch-{epoch}.csv"), "w") as f:
        f.write("path,pred\n" + "".join(f"{p},{q}\n" for p, q in rows))
EOF2

# ---- scikit-learn's figures ----
cat >"$TMP/expect.py" <<'EOF2'
"""Expected trend: DATASET DECISIONS|- JSON|- PRED...; prints the TSV, or
compares winnow's JSON (file) and prints 'same' or what differs."""
import csv, json, math, os, sys
import warnings
from sklearn.metrics import accuracy_score, recall_score
warnings.simplefilter("ignore")
root, decisions, got_json, preds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
truth = {}
for label in os.listdir(root):
    d = os.path.join(root, label)
    if os.path.isdir(d) and not label.startswith("."):
        for name in os.listdir(d):
            truth[f"{label}/{name}"] = None if label.startswith("_") else label
labels = sorted({l for l in truth.values() if l}, key=lambda s: s.encode())
if decisions != "-":          # lines: path<TAB>delete | path<TAB>relabel<TAB>to
    for line in open(decisions):
        f = line.rstrip("\n").split("\t")
        truth[f[0]] = None if f[1] == "delete" else f[2]
        if f[1] == "relabel" and f[2] not in labels:
            labels.append(f[2])
out, objs = ["predictions\taccuracy\t" + "\t".join(labels)], []
for pred_file in preds:
    pred = {}
    with open(pred_file, newline="") as f:
        for row in csv.DictReader(f):
            pred.setdefault(row["path"], row["pred"])
    keep = [p for p in sorted(pred) if truth.get(p)]
    y_true = [truth[p] for p in keep]
    y_pred = [pred[p] for p in keep]
    acc = accuracy_score(y_true, y_pred) if keep else None
    rec = recall_score(y_true, y_pred, labels=labels, average=None, zero_division=0)
    # scikit-learn says 0 where a label has no true sample: winnow says '-'
    rec = [float(r) if l in y_true else None for l, r in zip(labels, rec)]
    fmt = lambda v: "-" if v is None else f"{v:.4f}"
    out.append("\t".join([pred_file, fmt(acc)] + [fmt(r) for r in rec]))
    objs.append({"predictions": pred_file, "rows": sum(1 for _ in open(pred_file)) - 1,
                 "samples": len(keep), "correct": sum(t == q for t, q in zip(y_true, y_pred)),
                 "accuracy": acc, "recall": dict(zip(labels, rec))})
if got_json == "-":
    print("\n".join(out))
    sys.exit(0)
got = json.load(open(got_json))
def near(x, y):
    return (x is None and y is None) or (x is not None and y is not None and abs(x - y) < 1e-5)
bad = []
if len(got) != len(objs):
    bad.append(f"{len(got)} objects, want {len(objs)}")
for g, w in zip(got, objs):
    for k in ("predictions", "rows", "samples", "correct"):
        if g.get(k) != w[k]:
            bad.append(f"{w['predictions']}: {k} {g.get(k)} != {w[k]}")
    if not near(g.get("accuracy"), w["accuracy"]):
        bad.append(f"{w['predictions']}: accuracy {g.get('accuracy')} != {w['accuracy']}")
    if list(g.get("recall", {})) != labels or \
            not all(near(g["recall"][l], w["recall"][l]) for l in labels):
        bad.append(f"{w['predictions']}: recall {g.get('recall')} != {w['recall']}")
print("\n".join(bad) if bad else "same")
EOF2
expected() { "$PYTHON" "$TMP/expect.py" "$@"; }

cd "$run" || exit 1
set -- preds/epoch-1.csv preds/epoch-2.csv preds/epoch-3.csv preds/epoch-4.csv
"$WINNOW" trend speech "$@" >"$TMP/tsv" 2>"$TMP/err"
expect_eq "exit 0" "$?" 0
expect_eq "accuracy and recall per epoch equal scikit-learn's" "$(cat "$TMP/tsv")" \
	"$(expected speech - - "$@")"
expect_eq "the header: predictions, accuracy, the labels" "$(head -1 "$TMP/tsv")" \
	"$(printf 'predictions\taccuracy\tdown\tleft\tno\tup\tyes')"
expect_eq "a row per file, in the order given" "$(cut -f1 "$TMP/tsv" | tr '\n' ' ')" \
	"predictions $* "
expect_eq "a label with no sample counted is '-'" "$(grep epoch-3 "$TMP/tsv" | cut -f4)" "-"
grep -q '^preds/epoch-1.csv	0\.[0-9][0-9][0-9][0-9]	' "$TMP/tsv"
check "four decimals" [ $? -eq 0 ]
check "the path the dataset lacks is reported, naming the file" \
	grep -q 'preds/epoch-2.csv: line .*: yes/not-there.wav is not in the dataset' "$TMP/err"
"$WINNOW" trend speech preds/epoch-4.csv preds/epoch-1.csv >"$TMP/tsv" 2>/dev/null
expect_eq "files in another order, rows in that order" "$(cat "$TMP/tsv")" \
	"$(expected speech - - preds/epoch-4.csv preds/epoch-1.csv)"

"$WINNOW" trend --format json speech "$@" >"$TMP/json" 2>/dev/null
expect_eq "JSON: rows, samples, correct, accuracy and recall agree" \
	"$(expected speech - "$TMP/json" "$@")" same

# ---- a journal's decisions: relabels (one to a new label) and a delete ----
sha() { sha256sum "$1" | cut -c1-64; }
y1=$(ls speech/yes | sed -n 1p) y2=$(ls speech/yes | sed -n 2p) n1=$(ls speech/no | sed -n 1p)
u1=$(ls speech/up | sed -n 1p)
{
	printf -- '---\nwinnow-journal: 1\ndataset: "%s"\nlayout: folders\n...\n' "$ds"
	entry() { printf -- '---\nid: %s\nop: %s\npath: "%s"\nlabel: "%s"\n' "$1" "$2" "$3" "$4"
		[ -n "${5:-}" ] && printf 'to: "%s"\n' "$5"
		printf 'sha256: %s\nat: 2026-11-27T21:03:11Z\nby: "t"\n...\n' "$(sha "speech/$3")"; }
	entry 1 relabel "yes/$y1" yes no
	entry 2 relabel "yes/$y2" yes maybe
	entry 3 delete "no/$n1" no
	entry 4 relabel "up/$u1" up down
	entry 5 flag "up/$u1" up
} >"$TMP/journal.yaml"
printf 'yes/%s\trelabel\tno\nyes/%s\trelabel\tmaybe\nno/%s\tdelete\n' "$y1" "$y2" "$n1" \
	>"$TMP/decisions"
"$WINNOW" trend -j "$TMP/journal.yaml" speech "$@" >"$TMP/tsv" 2>"$TMP/err"
expect_eq "-j: labels after the journal's decisions, as scikit-learn counts them" \
	"$(cat "$TMP/tsv")" "$(expected speech "$TMP/decisions" - "$@")"
expect_eq "-j: a relabel's new label gets a column, last" "$(head -1 "$TMP/tsv" | cut -f8)" maybe
"$WINNOW" trend -j "$TMP/journal.yaml" -f json speech "$@" >"$TMP/json" 2>/dev/null
expect_eq "-j with JSON" "$(expected speech "$TMP/decisions" "$TMP/json" "$@")" same

# ---- a file matching no sample: nothing counted ----
printf 'path,pred\nnowhere/a.wav,yes\n' >"$TMP/none.csv"
"$WINNOW" trend speech "$TMP/none.csv" >"$TMP/tsv" 2>/dev/null
expect_eq "no row counted: accuracy and every recall '-'" "$(sed -n 2p "$TMP/tsv" | cut -f2-)" \
	"$(printf -- '-\t-\t-\t-\t-\t-')"

# ---- bad input: exit 2, one line naming the file, nothing printed ----
bad() {
	desc=$1; shift
	"$WINNOW" trend "$@" >"$TMP/out" 2>"$TMP/err"; st=$?
	if [ $st -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && [ ! -s "$TMP/out" ]; then
		pass "$desc: $(cat "$TMP/err")"
	else
		fail "$desc (exit $st)"; sed 's/^/#   /' "$TMP/err" | head -5
	fi
}
head -c 4096 "$WINNOW" >"$TMP/garbage.csv"
printf 'path,pred\nyes/%s,yes\n' "$y1" >"$TMP/clean.csv"
printf 'file,pred\nyes/a.wav,yes\n' >"$TMP/nopath.csv"
bad "a missing file among good ones" speech "$TMP/clean.csv" "$TMP/nothing.csv" "$TMP/clean.csv"
check "the message names it" contains "$TMP/err" "$TMP/nothing.csv: No such file"
bad "garbage" speech "$TMP/garbage.csv"
bad "a header without path" speech "$TMP/nopath.csv"
check "the message names the file and why" contains "$TMP/err" "$TMP/nopath.csv: the header"
bad "no PRED" speech
bad "no DATASET"
bad "a missing dataset" "$TMP/nowhere" "$TMP/clean.csv"
bad "an unknown format" --format xml speech "$TMP/clean.csv"
bad "a journal that is not there" -j "$TMP/nothing.yaml" speech "$TMP/clean.csv"
check "--help prints the usage" sh -c '"$1" trend --help | grep -q "usage: winnow trend"' sh "$WINNOW"

finish
