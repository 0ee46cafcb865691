#!/bin/sh
# neardup.sh — how well `winnow check` finds near copies, on clips and
# pictures made again (tests/make-fixtures near): each way of making a copy
# is found at least 90 % of the time, and at most 2 % of the samples that
# are nobody's copy (other voices saying the same words, a voice's takes
# at two paces, other pictures, two halves of one picture, words written
# in one style) are taken for one. The figures are printed;
# README.md quotes them.
. "$top_srcdir/tests/lib.sh"
need espeak-ng sox /usr/bin/convert

N=$TMP/near
sh "$top_srcdir/tests/make-fixtures" near "$N" || fail "make-fixtures near"

# rate FOUND OF: FOUND / OF as a percentage, one decimal
rate() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b ? 100 * a / b : 0 }'; }

for set in speech images; do
	D=$N/$set
	"$WINNOW" check --no-cache "$D" >"$TMP/$set.tsv" 2>/dev/null
	# every sample with a near copy, whichever line names it
	grep -E '	(near-duplicate|label-conflict|split-leak)	near copy ' "$TMP/$set.tsv" |
		cut -f1 | sort -u >"$TMP/$set.near"
	comm -12 "$D/PLANTED" "$TMP/$set.near" >"$TMP/$set.found"
	comm -12 "$D/CLEAN" "$TMP/$set.near" >"$TMP/$set.false"
	comm -23 "$D/PLANTED" "$TMP/$set.near" | sed 's/^/#   missed: /'
	sed 's/^/#   false alarm: /' "$TMP/$set.false"
	# each way of making a copy: the name's last part (p3-2small.png: small)
	for how in $(sed 's/.*-[0-9]*\([a-z0-9]*\)\..*/\1/' "$D/PLANTED" | sort -u); do
		of=$(grep -c -- "-[0-9]*$how\." "$D/PLANTED")
		found=$(grep -c -- "-[0-9]*$how\." "$TMP/$set.found")
		echo "# $set, $how: found $found of $of ($(rate "$found" "$of") %)"
		check "$set: copies by $how found at least 90 % of the time" \
			test $((found * 10)) -ge $((of * 9))
	done
	[ $set = speech ] && check "speech: a voice's second take at another pace is no copy" \
		sh -c "! grep -q '^takes/' '$TMP/$set.near'"
	[ $set = images ] && check "images: words written in one style are no copies" \
		sh -c "! grep -q '^w/' '$TMP/$set.near'"
	of=$(wc -l <"$D/PLANTED")
	found=$(wc -l <"$TMP/$set.found")
	clean=$(wc -l <"$D/CLEAN")
	false=$(wc -l <"$TMP/$set.false")
	echo "# $set: found $found of $of copies ($(rate "$found" "$of") %);" \
		"$false of $clean others taken for copies ($(rate "$false" "$clean") %)"
	check "$set: at most 2 % of the others taken for copies" \
		test $((false * 50)) -le "$clean"
done

finish
