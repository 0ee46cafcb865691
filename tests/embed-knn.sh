#!/bin/sh
# embed-knn.sh — near copies and outliers by each embedding's nearest
# neighbours (`winnow check -e`): a dataset in train/ and test/ whose
# embeddings (made here with numpy) plant a near copy under one label, one
# under another label, one in the other split, and a row far from all the
# others; the checks find exactly those, word them as the exact checks do
# with the distance against its threshold, leave clean rows alone, and move
# with -t knn-near and -t knn-outlier.
. "$top_srcdir/tests/lib.sh"
[ -x "$PYTHON" ] && "$PYTHON" -c 'import numpy' 2>/dev/null || skip "numpy is not installed"

D=$TMP/ds

# 50 rows a label in train/, 10 in test/, in 16 dimensions around centres
# 14 apart; every sample file has bytes of its own, so that no exact check
# speaks for the planted copies.
"$PYTHON" - "$D" "$TMP/embeddings.tsv" <<'EOF'
import numpy as np, os, sys
root, out = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(5)
d = 16
centre = {"cat": np.zeros(d), "dog": 14 * np.eye(d)[0], "fox": 14 * np.eye(d)[1]}
rows = {}
for split, count in (("train", 50), ("test", 10)):
    for lab in centre:
        os.makedirs(f"{root}/{split}/{lab}")
        for i in range(count):
            path = f"{split}/{lab}/{lab}{i:02d}.txt"
            open(f"{root}/{path}", "w").write(f"{path}\n")
            rows[path] = centre[lab] + rng.standard_normal(d)
def near(of):
    return rows[of] + 0.01 * rng.standard_normal(d)
rows["train/cat/cat05.txt"] = near("train/cat/cat04.txt")     # near-duplicate
rows["train/dog/dog07.txt"] = near("train/cat/cat10.txt")     # label-conflict
rows["test/fox/fox03.txt"] = near("train/fox/fox20.txt")      # split-leak
u = rng.standard_normal(d)
rows["train/fox/fox33.txt"] = centre["fox"] + 25 * u / np.linalg.norm(u)  # far
with open(out, "w") as f:
    for p, v in rows.items():
        f.write(p + "\t" + "\t".join("%.6f" % x for x in v) + "\n")
EOF
[ -s "$TMP/embeddings.tsv" ] || fail "making the embeddings"

knn_findings() {
	grep -E '	(near-duplicate|label-conflict|split-leak|cluster-outlier)	' "$1" |
		cut -f1,2 | sort
}
sort >"$TMP/expected" <<'EOF'
test/fox/fox03.txt	split-leak
train/cat/cat05.txt	near-duplicate
train/cat/cat10.txt	label-conflict
train/dog/dog07.txt	cluster-outlier
train/dog/dog07.txt	label-conflict
train/fox/fox20.txt	split-leak
train/fox/fox33.txt	cluster-outlier
EOF

expect_status "check -e: findings exit 1" 1 "$WINNOW" check --no-cache -e "$TMP/embeddings.tsv" "$D"
knn_findings "$TMP/out" >"$TMP/found"
if cmp -s "$TMP/found" "$TMP/expected"; then
	pass "check -e: the planted copies and the far row, and nothing else"
else
	fail "check -e: findings differ"
	diff "$TMP/expected" "$TMP/found" | sed 's/^/#   /'
fi
median='median [0-9.]*'
check "near-duplicate: names the nearest copy, the group, distance and threshold" sh -c \
	"detail() { grep \"^\$1	\$2	\" '$TMP/out' | cut -f3; }
	detail train/cat/cat05.txt near-duplicate | grep -Eq '^near copy by embeddings of train/cat/cat04.txt \(group of 2, distance 0\.0[0-9]* < 0\.13 × $median\)$'"
check "label-conflict: each copy names the other and its label" sh -c \
	"grep -q '^train/dog/dog07.txt	label-conflict	near copy by embeddings of train/cat/cat10.txt, labelled cat (group of 2, distance ' '$TMP/out' &&
	grep -q '^train/cat/cat10.txt	label-conflict	near copy by embeddings of train/dog/dog07.txt, labelled dog (group of 2, distance ' '$TMP/out'"
check "split-leak: names the splits" \
	grep -q '^test/fox/fox03.txt	split-leak	near copy by embeddings in test of train/fox/fox20.txt in train (group of 2, distance ' "$TMP/out"
check "cluster-outlier: both rules on one line, with k" \
	grep -Eq '^train/fox/fox33.txt	cluster-outlier	[0-9.]+ spreads from the centre of fox >= 2.5; k-NN distance [0-9.]+× the dataset.s median >= 2 \(k = 10\)$' "$TMP/out"
check "cluster-outlier: the copy among cats is far from the dogs' centre, not from its neighbours" \
	grep -Eq '^train/dog/dog07.txt	cluster-outlier	[0-9.]+ spreads from the centre of dog >= 2.5$' "$TMP/out"

# The thresholds move with -t; the centre rule still finds the far row.
expect_status "-t knn-near=0: no near copies" 1 "$WINNOW" check --no-cache \
	-e "$TMP/embeddings.tsv" -t knn-near=0 "$D"
check "-t knn-near=0: no line says near" sh -c "! grep -q 'near copy' '$TMP/out'"
expect_status "-t knn-outlier=100" 1 "$WINNOW" check --no-cache \
	-e "$TMP/embeddings.tsv" -t knn-outlier=100 "$D"
check "-t knn-outlier=100: no k-NN outlier" sh -c "! grep -q 'k-NN' '$TMP/out'"
check "-t knn-outlier=100: the centre rule's outlier stays" \
	grep -q '^train/fox/fox33.txt	cluster-outlier	' "$TMP/out"
# Loose enough, clean rows' neighbours count as near copies too: the
# threshold is what keeps them out.
expect_status "-t knn-near=0.9" 1 "$WINNOW" check --no-cache \
	-e "$TMP/embeddings.tsv" -t knn-near=0.9 "$D"
check "-t knn-near=0.9: clean rows become near copies" sh -c \
	"[ \$(grep -c 'near copy by embeddings' '$TMP/out') -gt 10 ]"
expect_status "-t knn-near=oops: refused" 2 "$WINNOW" check --no-cache \
	-e "$TMP/embeddings.tsv" -t knn-near=oops "$D"

# Byte-identical copies are the exact checks' to report, not again here.
cp "$D/train/cat/cat04.txt" "$D/train/cat/cat05.txt"
expect_status "same bytes" 1 "$WINNOW" check --no-cache -e "$TMP/embeddings.tsv" "$D"
check "same bytes: a duplicate line" grep -q '^train/cat/cat05.txt	duplicate	' "$TMP/out"
check "same bytes: no near-duplicate line beside it" sh -c \
	"! grep -q '^train/cat/cat05.txt	near-duplicate' '$TMP/out'"

finish
