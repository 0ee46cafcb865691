#!/bin/sh
# confusion.sh — `winnow confusion` against an independent count: Python
# walks the dataset and reads the predictions with its csv module, and
# scikit-learn's confusion_matrix counts (a plain count where scikit-learn
# is missing). Splits, TSV predictions with CRLF and a BOM, a journal's
# decisions, the JSON metrics, problem rows reported on stderr, and bad
# inputs that must exit 2 with one line.
. "${top_srcdir:-.}/tests/lib.sh"
[ -x "$PYTHON" ] || skip "$PYTHON is not installed"

ds=$TMP/ds
# ---- the dataset and predictions: seeded, written by Python ----
"$PYTHON" - "$ds" <<'EOF' || exit 1
import os, random, sys
root = sys.argv[1]
rng = random.Random(5)
labels = ["café", "down", "no", "off", "on", "up", "yes"]
samples = []
for i in range(420):
    label = labels[rng.randrange(len(labels))]
    path = f"{label}/{rng.getrandbits(32):08x}_nohash_{i % 3}.wav"
    samples.append((path, label))
samples.append(("_background_noise_/white.wav", None))
for path, _ in samples:
    os.makedirs(os.path.join(root, os.path.dirname(path)), exist_ok=True)
    with open(os.path.join(root, path), "wb") as f:
        f.write(path.encode() + bytes(rng.getrandbits(8) for _ in range(32)))
labelled = [p for p, l in samples if l]
rng.shuffle(labelled)
with open(os.path.join(root, "validation_list.txt"), "w") as f:
    f.write("\n".join(sorted(labelled[:60])) + "\n")
with open(os.path.join(root, "testing_list.txt"), "w") as f:
    f.write("\n".join(sorted(labelled[60:140])) + "\n")

rows = []
for path, label in samples:
    if rng.random() < 0.05:
        continue                      # no prediction for this one
    r = rng.random()
    truth = label or "no"
    pred = truth if r < 0.7 else "unknown" if r < 0.73 else labels[rng.randrange(len(labels))]
    probs = [rng.random() * 0.1 for _ in labels]
    if pred in labels:
        probs[labels.index(pred)] += 2
    s = sum(probs)
    rows.append([path, pred] + [f"{p / s:.6f}" for p in probs])
rng.shuffle(rows)
# a path the dataset lacks, a repeat (a later row: ignored), bad probabilities
rows.insert(17, ["no/not-there.wav", "no"] + ["0.1"] * len(labels))
rows.insert(40, [rows[3][0], "up" if rows[3][1] != "up" else "down"] + rows[3][2:])
rows[50] = rows[50][:2] + ["0.5"] * len(labels)
header = ["path", "pred"] + ["p_" + l for l in labels] + ["epoch"]
def write(name, sep, end, bom):
    with open(os.path.join(root, name), "w", encoding="utf-8", newline="") as f:
        f.write(("\ufeff" if bom else "") + sep.join(header) + end)
        for row in rows:
            cells = [f'"{c}"' if sep == "," and c == row[0] and rng.random() < 0.3 else c
                     for c in row]
            f.write(sep.join(cells + ["7"]) + end)
write("predictions.csv", ",", "\n", False)
write("model.tsv", "\t", "\r\n", True)
EOF

# ---- the independent count ----
cat >"$TMP/expect.py" <<'EOF'
"""Expected matrix: args DATASET PRED [--split S] [--decisions FILE] [--json WINNOW_JSON]."""
import csv, json, math, os, sys
args = sys.argv[1:]
root, pred_file = args[0], args[1]
opt = dict(zip(args[2::2], args[3::2]))
truth, split = {}, {}
for label in os.listdir(root):
    d = os.path.join(root, label)
    if not os.path.isdir(d) or label.startswith("."):
        continue
    for name in os.listdir(d):
        if not name.startswith("."):
            truth[f"{label}/{name}"] = None if label.startswith("_") else label
for p in truth:
    split[p] = "training"
for name, s in (("validation_list.txt", "validation"), ("testing_list.txt", "testing")):
    with open(os.path.join(root, name)) as f:
        for line in f:
            if line.strip():
                split[line.strip()] = s
labels = sorted({l for l in truth.values() if l}, key=lambda s: s.encode())
with open(pred_file, encoding="utf-8-sig", newline="") as f:
    text = f.read()
sep = "\t" if "\t" in text.splitlines()[0] else ","
reader = csv.reader(text.splitlines(), delimiter=sep)
header = next(reader)
pred = {}
for row in reader:
    if not row:
        continue
    path = row[header.index("path")]
    if path in truth and path not in pred:
        pred[path] = row[header.index("pred")]
# the model's own labels follow the dataset's, then new labels of relabels
labels += sorted({p for p in pred.values() if p not in labels}, key=lambda s: s.encode())
if "--decisions" in opt:        # lines: path<TAB>delete | path<TAB>relabel<TAB>to
    for line in open(opt["--decisions"]):
        f = line.rstrip("\n").split("\t")
        truth[f[0]] = None if f[1] == "delete" else f[2]
        if f[1] == "relabel" and f[2] not in labels:
            labels.append(f[2])
keep = [p for p in sorted(pred) if truth[p] is not None and
        ("--split" not in opt or split[p] == opt["--split"])]
y_true = [truth[p] for p in keep]
y_pred = [pred[p] for p in keep]
try:
    from sklearn.metrics import confusion_matrix
    m = confusion_matrix(y_true, y_pred, labels=labels).tolist()
except ImportError:
    m = [[sum(1 for t, q in zip(y_true, y_pred) if t == a and q == b) for b in labels]
         for a in labels]
if "--json" not in opt:
    print("true\\pred\t" + "\t".join(labels))
    for a, row in zip(labels, m):
        print(a + "\t" + "\t".join(map(str, row)))
    sys.exit(0)
# compare winnow's JSON with the metrics scikit-learn (or the count) gives
got = json.load(open(opt["--json"]))
bad = []
def near(x, y):
    return (x is None and y is None) or (x is not None and y is not None and abs(x - y) < 1e-5)
try:
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support
    prec, rec, _, sup = precision_recall_fscore_support(y_true, y_pred, labels=labels,
                                                        zero_division=0)
    acc = accuracy_score(y_true, y_pred)
except ImportError:
    sup = [sum(r) for r in m]
    rec = [m[i][i] / sup[i] if sup[i] else 0 for i in range(len(labels))]
    col = [sum(r[i] for r in m) for i in range(len(labels))]
    prec = [m[i][i] / col[i] if col[i] else 0 for i in range(len(labels))]
    acc = sum(m[i][i] for i in range(len(labels))) / len(keep)
col = [sum(r[i] for r in m) for i in range(len(labels))]
if got["labels"] != labels: bad.append(f"labels {got['labels']} != {labels}")
if got["matrix"] != m: bad.append("matrix differs")
if got["samples"] != len(keep): bad.append(f"samples {got['samples']} != {len(keep)}")
if not near(got["accuracy"], acc): bad.append(f"accuracy {got['accuracy']} != {acc}")
for i, c in enumerate(got["classes"]):
    want_r = float(rec[i]) if sup[i] else None     # undefined: winnow says null
    want_p = float(prec[i]) if col[i] else None
    if c["label"] != labels[i] or c["support"] != sup[i] or c["predicted"] != col[i] \
            or not near(c["recall"], want_r) or not near(c["precision"], want_p):
        bad.append(f"class {c} != {labels[i]} support {sup[i]} recall {want_r} "
                   f"precision {want_p}")
pairs = sorted(((m[i][j], i, j) for i in range(len(labels)) for j in range(len(labels))
                if i != j and m[i][j]), key=lambda x: (-x[0], x[1], x[2]))[:10]
if [(c["count"], c["true"], c["pred"]) for c in got["confused"]] != \
        [(n, labels[i], labels[j]) for n, i, j in pairs]:
    bad.append("most confused pairs differ")
print("\n".join(bad) if bad else "same")
EOF

expected() { "$PYTHON" "$TMP/expect.py" "$@"; }

"$WINNOW" confusion "$ds" >"$TMP/tsv" 2>"$TMP/err"
expect_eq "the matrix equals an independent count" "$(cat "$TMP/tsv")" \
	"$(expected "$ds" "$ds/predictions.csv")"
head -1 "$TMP/tsv" | grep -q '^true\\pred	café	down	no	off	on	up	yes	unknown$'
check "labels in order, the model's own label last" [ $? -eq 0 ]
check "the repeated row is reported with its line" grep -q 'line 42: .* is listed again' "$TMP/err"
check "the unknown path is reported" grep -q 'line 19: no/not-there.wav is not in the dataset' "$TMP/err"
check "the unknown label too" grep -q "'unknown' is not a label of the dataset" "$TMP/err"
check "and the bad probabilities" grep -q 'line 52: probabilities sum to' "$TMP/err"
check "with a summary line" grep -q 'rows: .*1 paths not in the dataset, 1 repeated rows' "$TMP/err"

expect_eq "--split testing equals the count over the testing list" \
	"$("$WINNOW" confusion --split testing "$ds" 2>/dev/null)" \
	"$(expected "$ds" "$ds/predictions.csv" --split testing)"
expect_eq "-s validation too" "$("$WINNOW" confusion -s validation "$ds" 2>/dev/null)" \
	"$(expected "$ds" "$ds/predictions.csv" --split validation)"
expect_eq "TSV predictions with a BOM and CRLF read the same" \
	"$("$WINNOW" confusion -p "$ds/model.tsv" "$ds" 2>/dev/null)" \
	"$(expected "$ds" "$ds/model.tsv")"

"$WINNOW" confusion --format json "$ds" >"$TMP/json" 2>/dev/null
expect_eq "JSON: matrix, support, recall, precision, accuracy and pairs agree" \
	"$(expected "$ds" "$ds/predictions.csv" --json "$TMP/json")" same
"$WINNOW" confusion --format json --split testing "$ds" >"$TMP/json" 2>/dev/null
expect_eq "JSON of a split agrees" \
	"$(expected "$ds" "$ds/predictions.csv" --split testing --json "$TMP/json")" same

# ---- a journal's decisions ----
sha() { sha256sum "$ds/$1" | cut -c1-64; }
set -- $(cd "$ds" && ls yes | head -3 | sed 's|^|yes/|') $(cd "$ds" && ls no | head -2 | sed 's|^|no/|')
y1=$1 y2=$2 y3=$3 n1=$4 n2=$5
{
	printf -- '---\nwinnow-journal: 1\ndataset: "%s"\nlayout: folders\n...\n' "$ds"
	entry() { printf -- '---\nid: %s\nop: %s\npath: "%s"\nlabel: "%s"\n' "$1" "$2" "$3" "$4"
		[ -n "${5:-}" ] && printf 'to: "%s"\n' "$5"
		printf 'sha256: %s\nat: 2026-11-27T21:03:11Z\nby: "t"\n...\n' "$(sha "$3")"; }
	entry 1 relabel "$y1" yes no
	entry 2 relabel "$y2" yes café
	entry 3 delete "$n1" no
	entry 4 relabel "$y3" yes up
	printf -- '---\nid: 5\nop: undo\ntarget: 4\n...\n'
	entry 6 relabel "$n2" no off
	entry 7 relabel "$n2" no new-label
	entry 8 accept "$y3" yes
} >"$TMP/journal.yaml"
printf '%s\trelabel\tno\n%s\trelabel\tcafé\n%s\tdelete\n%s\trelabel\tnew-label\n' \
	"$y1" "$y2" "$n1" "$n2" >"$TMP/decisions"
"$WINNOW" confusion -j "$TMP/journal.yaml" "$ds" >"$TMP/tsv" 2>"$TMP/err"
expect_eq "-j: true labels after the journal's decisions" "$(cat "$TMP/tsv")" \
	"$(expected "$ds" "$ds/predictions.csv" --decisions "$TMP/decisions")"
"$WINNOW" confusion -j "$TMP/journal.yaml" --format json "$ds" >"$TMP/json" 2>/dev/null
expect_eq "-j with JSON" \
	"$(expected "$ds" "$ds/predictions.csv" --decisions "$TMP/decisions" --json "$TMP/json")" same
check "the JSON says decisions were applied" grep -q '"decisions": true' "$TMP/json"

# ---- many problems: the first ten of a kind listed, then a summary ----
{ echo "path,pred"; i=0; while [ $i -lt 25 ]; do echo "no/ghost$i.wav,no"; i=$((i + 1)); done
  echo "$y1,yes"; } >"$TMP/ghosts.csv"
expect_status "25 unknown paths are not fatal" 0 "$WINNOW" confusion -p "$TMP/ghosts.csv" "$ds"
expect_eq "ten are listed" "$(grep -c 'is not in the dataset' "$TMP/err")" 10
check "the summary counts all 25" grep -q '26 rows: 25 paths not in the dataset' "$TMP/err"
check "and the samples without a prediction" grep -q '420 of 421 samples have no prediction' "$TMP/err"

# ---- bad input: exit 2, one line naming the file ----
bad() {
	desc=$1; shift
	"$WINNOW" confusion "$@" >"$TMP/out" 2>"$TMP/err"; st=$?
	if [ $st -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && [ ! -s "$TMP/out" ]; then
		pass "$desc: $(cat "$TMP/err")"
	else
		fail "$desc (exit $st)"; sed 's/^/#   /' "$TMP/err" | head -5
	fi
}
: >"$TMP/empty.csv"
head -c 4096 "$WINNOW" >"$TMP/garbage.csv"
printf 'file,pred\nyes/a.wav,yes\n' >"$TMP/nopath.csv"
mkdir "$TMP/folder.csv"
bad "a missing predictions file" -p "$TMP/nothing.csv" "$ds"
bad "an empty one" -p "$TMP/empty.csv" "$ds"
bad "garbage" -p "$TMP/garbage.csv" "$ds"
bad "a header without path" -p "$TMP/nopath.csv" "$ds"
bad "a folder" -p "$TMP/folder.csv" "$ds"
bad "no predictions.csv in the dataset" "$TMP/folder.csv"
bad "a split the dataset lacks" --split nosuch "$ds"
bad "an unknown format" --format xml "$ds"
bad "no DATASET" --split testing
bad "a missing dataset" "$TMP/nowhere"
bad "-p without its file" -p
bad "a journal that is not there" -j "$TMP/nothing.yaml" "$ds"
bad "a journal of garbage" -j "$TMP/garbage.csv" "$ds"
sed "s|dataset: .*|dataset: \"$TMP/elsewhere\"|" "$TMP/journal.yaml" >"$TMP/other.yaml"
bad "a journal of another dataset" -j "$TMP/other.yaml" "$ds"
# ---- a problem's name reaches the terminal escaped, from each command ----
# A link out of the dataset named with a terminal's title sequence: confusion,
# trend and regress report it as stats does, never by sending the bytes raw.
hostile=$TMP/hostile
mkdir -p "$hostile/yes" "$hostile/no"
cp "$ds"/yes/*.wav "$hostile/yes/" 2>/dev/null || true
ln -s /nonexistent "$hostile/yes/$(printf 'x\033]0;pwned\007.wav')"
printf 'path,pred\n' >"$TMP/hostile.csv"
for cmd in "confusion -p $TMP/hostile.csv $hostile" "trend $hostile $TMP/hostile.csv" \
	"regress --rogues /dev/null -p $TMP/hostile.csv $hostile"; do
	# shellcheck disable=SC2086
	"$WINNOW" $cmd >/dev/null 2>"$TMP/err" || true
	check "${cmd%% *}: the link is reported" contains "$TMP/err" "skipped"
	check "${cmd%% *}: ... its name escaped, no raw control byte" \
		sh -c '! LC_ALL=C grep -q "$(printf "[\033\007]")" "$1"' - "$TMP/err"
done

check "--help prints the usage" sh -c '"$1" confusion --help | grep -q "usage: winnow confusion"' sh "$WINNOW"

finish
