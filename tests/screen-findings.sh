#!/bin/sh
# screen-findings.sh — at 80×24 the preview says why a picture is flagged
# (a near copy, dark, blurry, grayscale, …) in the rows above it, and the
# picture still shows below, whole, in the rows left; the findings of the
# embeddings' nearest neighbours are in the browser as in `winnow check -e`.
. "${top_srcdir:-.}/tests/lib.sh"
need tmux convert

# img/b.jpg is img/a.png recompressed; other/f.png is dark, blurry and grey.
ds=$TMP/ds
mkdir -p "$ds/img" "$ds/other"
convert -size 64x48 gradient:red-blue -fill white -draw "circle 32,24 32,10" \
	-fill black -draw "rectangle 5,5 20,15" "$ds/img/a.png"
convert "$ds/img/a.png" -quality 60 "$ds/img/b.jpg"
convert -size 64x48 gradient:orange-green -fill yellow -draw "rectangle 10,10 50,40" "$ds/img/c.png"
convert -size 64x48 gradient:green-yellow -fill blue -draw "circle 20,20 30,30" "$ds/other/d.png"
convert -size 64x48 gradient:blue-white -fill red -draw "rectangle 30,5 60,40" "$ds/other/e.png"
convert -size 64x48 gradient:gray3-gray8 "$ds/other/f.png"

"$WINNOW" check "$ds" >"$TMP/findings" 2>/dev/null
check "the fixture: img/b.jpg a near copy of img/a.png" \
	grep -q '^img/b\.jpg	near-duplicate	near copy of img/a\.png' "$TMP/findings"
check "... other/f.png dark" grep -q '^other/f\.png	dark	' "$TMP/findings"

# The preview's column, its lines joined, in $TMP/preview; the number of
# its rows with a background colour (a picture's cells) in $TMP/picture.
preview() {
	screen_settled | awk -F'│' 'NF > 2 { print $3 }' | tr -s ' \n' '  ' >"$TMP/preview"
	screen_settled -e | awk -F'│' 'NF > 2 { print $3 }' | grep -c '48;5;' >"$TMP/picture"
}
picture_rows() { [ "$(cat "$TMP/picture")" -ge "$1" ]; }

tmux_start 80 24 "$WINNOW" "$ds"
check "the badges" screen_wait "dark"
tmux_keys j
check "img/b.jpg selected" screen_wait " 2/6 "
check "the preview says why" screen_wait "near-duplicate: near copy of"
preview
check "... naming the copy, the group and how near" \
	grep -q 'near-duplicate: near copy of img/a.png (group of 2, 4 bits apart <= 7)' "$TMP/preview"
check "... above the picture, still 10 rows or more" picture_rows 10
check "... and its facts" grep -q 'jpeg · 64×48' "$TMP/preview"
tmux_keys G
check "other/f.png selected" screen_wait " 6/6 "
check "the preview says why: dark" screen_wait "dark: 99% of pixels"
preview
check "... blurry" grep -q 'blurry: sharpness' "$TMP/preview"
check "... the picture keeps 10 rows or more" picture_rows 10
check "... and its facts" grep -q 'png · 64×48' "$TMP/preview"
tmux_keys k
check "other/e.png, with no finding" screen_wait " 5/6 "
preview
check "... the preview says nothing of checks" sh -c "! grep -qE 'near-duplicate|dark:' '$TMP/preview'"
check "... the picture as tall as ever" picture_rows 10
tmux_keys q
tmux_stop

# Embeddings (-e): the findings of each sample's nearest neighbours, as
# `winnow check -e` gives them, in the browser too: badges, /check=, the
# preview's why, and C through a group joined by embeddings alone. The
# samples are text files, each with bytes of its own; the embeddings plant
# a near copy under one label and a row far from every other.
if [ -x "$PYTHON" ] && "$PYTHON" -c 'import numpy' 2>/dev/null; then
E=$TMP/emb
"$PYTHON" - "$E" "$TMP/embeddings.tsv" <<'PY'
import numpy as np, os, sys
root, out = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(5)
d = 16
centre = {"cat": np.zeros(d), "dog": 14 * np.eye(d)[0]}
rows = {}
for lab in centre:
    os.makedirs(f"{root}/{lab}")
    for i in range(20):
        path = f"{lab}/{lab}{i:02d}.txt"
        open(f"{root}/{path}", "w").write(f"{path}\n")
        rows[path] = centre[lab] + rng.standard_normal(d)
rows["cat/cat05.txt"] = rows["cat/cat04.txt"] + 0.01 * rng.standard_normal(d)
u = rng.standard_normal(d)
rows["dog/dog13.txt"] = centre["dog"] + 25 * u / np.linalg.norm(u)
with open(out, "w") as f:
    for p, v in rows.items():
        f.write(p + "\t" + "\t".join("%.6f" % x for x in v) + "\n")
PY
"$WINNOW" check -e "$TMP/embeddings.tsv" "$E" >"$TMP/knn" 2>/dev/null
check "the fixture: cat05 a near copy of cat04 by embeddings" \
	grep -q '^cat/cat05\.txt	near-duplicate	near copy by embeddings of cat/cat04\.txt' "$TMP/knn"
check "... dog13 far from every other" \
	grep -q '^dog/dog13\.txt	cluster-outlier	.*k-NN distance' "$TMP/knn"
tmux_start 80 24 "$WINNOW" -e "$TMP/embeddings.tsv" "$E"
check "the near copy's badge" screen_wait "cat05.txt                   near"
tmux_keys / c h e c k = n e a r - d u p l i c a t e Enter
check "/check=near-duplicate keeps the copy found by embeddings" \
	screen_wait "files (1 of 40"
check "... and the preview says why" screen_wait "near-duplicate: near copy by"
preview
check "... naming the copy and the group" \
	grep -q 'near-duplicate: near copy by embeddings of cat/cat04.txt (group of 2, distance' "$TMP/preview"
check "... above the text" grep -q 'cat/cat05.txt text' "$TMP/preview"
tmux_keys Escape
check "Esc: every file again, cat05 still selected" screen_wait " 6/40 "
tmux_keys C
check "C: its copy by embeddings, cat04" screen_wait " 5/40 "
check "... copy 1 of 2" screen_wait "copy 1 of 2"
tmux_keys / c h e c k = c l u s t e r - o u t l i e r Enter
check "/check=cluster-outlier: the far row" screen_wait "dog13.txt"
check "... the preview says why, by its neighbours" screen_wait "k-NN distance"
tmux_keys q
tmux_stop
fi

finish
