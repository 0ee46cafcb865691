#!/bin/sh
# screen-findings.sh — at 80×24 the preview says why a picture is flagged
# (a near copy, dark, blurry, grayscale, …) in the rows above it, and the
# picture still shows below, whole, in the rows left.
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

finish
