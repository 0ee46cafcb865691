#!/bin/sh
# regress.sh — `winnow regress` on a small spoken dataset: the rogues from a
# journal's flags or from a list (as `export --rogues` writes it, or with
# escaped names), labels after the journal's decisions, each status (right,
# wrong, fixed, broke, missing), the summary, and exit status 0, 1 and 2.
. "${top_srcdir:-.}/tests/lib.sh"
need espeak-ng sox

ds=$TMP/ds
mkdir -p "$ds/yes" "$ds/no" "$ds/up" "$ds/_background_noise_"
# Names that lists and output must escape: not UTF-8 (Latin-1 é), a tab;
# and a backslash, which a list another tool wrote has as it is.
cafe=$(printf 'caf\351.wav') tabbed=$(printf 'tab\tbed.wav')
for f in yes/y1 yes/y2 yes/y3 no/n1 no/n2 up/u1 up/u2; do
	speak "${f%/*}" "$ds/$f.wav" 2>/dev/null || { fail "espeak-ng $f"; finish; }
done
{ speak yes "$ds/yes/$cafe" en-us && speak yes "$ds/yes/$tabbed" en-gb &&
	speak yes "$ds/yes/back\\slash.wav" en-gb &&
	speak noise "$ds/_background_noise_/hum.wav"; } 2>/dev/null ||
	{ fail "espeak-ng"; finish; }
# sox reads backslashes in a name it writes: these are copies.
cp "$ds/yes/y1.wav" "$ds/yes/w\\x41.wav" && cp "$ds/yes/y2.wav" "$ds/yes/w\\\\x41.wav" || exit 1

sha() { sha256sum <"$ds/$1" | cut -c1-64; }
{
	printf -- '---\nwinnow-journal: 1\ndataset: "%s"\nlayout: folders\n...\n' "$ds"
	entry() { printf -- '---\nid: %s\nop: %s\npath: "%s"\nlabel: "%s"\n' "$1" "$2" "$3" "$4"
		[ -n "${5:-}" ] && printf 'to: "%s"\n' "$5"
		printf 'sha256: %s\nat: 2026-11-27T21:03:11Z\nby: "t"\n...\n' "$(sha "$3")"; }
	entry 1 flag yes/y1.wav yes
	entry 2 flag yes/y2.wav yes
	entry 3 flag no/n1.wav no
	entry 4 flag up/u1.wav up
	entry 5 flag no/n2.wav no
	entry 6 relabel up/u2.wav up no
	entry 7 flag yes/y3.wav yes
	printf -- '---\nid: 8\nop: undo\ntarget: 7\n...\n'
	printf -- '---\nid: 9\nop: flag\npath: "yes/tab\\tbed.wav"\nlabel: "yes"\nsha256: %s\n' \
		"$(sha "yes/$tabbed")"
	printf 'at: 2026-11-27T21:03:11Z\nby: "t"\n...\n'
	# a backslash before x41: exported as w\\x41, which must not be read
	# as the file whose name has two backslashes
	entry 10 flag 'yes/w\x41.wav' yes | sed 's|^path: .*|path: "yes/w\\\\x41.wav"|'
} >"$ds/.winnow.yaml.tmp"
mkdir "$ds/.winnow" && mv "$ds/.winnow.yaml.tmp" "$ds/.winnow/journal.yaml"
J=$ds/.winnow/journal.yaml

# The baseline and the new model: y1 and the tabbed one stay right, y2
# broke, n1 fixed, u1 stays wrong, n2 has no row in the new file; u2
# (relabelled to no) is right as no.
printf 'path,pred\nyes/y1.wav,yes\nyes/y2.wav,yes\nno/n1.wav,yes\nup/u1.wav,no\nno/n2.wav,no\nup/u2.wav,up\n' \
	>"$TMP/old.csv"
printf 'path,pred\nyes/y1.wav,yes\nyes/y2.wav,no\nno/n1.wav,no\nup/u1.wav,yes\nup/u2.wav,no\n' \
	>"$TMP/new.csv"
printf 'yes/%s,yes\nyes/%s,yes\nyes/back\\slash.wav,yes\nyes/w\\x41.wav,yes\nyes/w\\\\x41.wav,no\n' \
	"$cafe" "$tabbed" | tee -a "$TMP/old.csv" >>"$TMP/new.csv"

tab=$(printf '\t')
expect_status "the journal's rogues against a baseline: something broke, exit 1" 1 \
	"$WINNOW" regress -p "$TMP/new.csv" --baseline "$TMP/old.csv" "$ds"
expect_eq "a line per flagged sample, sorted, with its status" "$(cat "$TMP/out")" \
"no/n1.wav${tab}no${tab}no${tab}fixed
no/n2.wav${tab}no${tab}${tab}missing
up/u1.wav${tab}up${tab}yes${tab}wrong
yes/tab\\x09bed.wav${tab}yes${tab}yes${tab}right
yes/w\\\\x41.wav${tab}yes${tab}yes${tab}right
yes/y1.wav${tab}yes${tab}yes${tab}right
yes/y2.wav${tab}yes${tab}no${tab}broke"
expect_eq "the summary on stderr" "$(tail -1 "$TMP/err")" \
	"winnow regress: 7 rogues: 3 right, 1 wrong, 1 fixed, 1 broke, 1 missing"

expect_status "without a baseline nothing can break: exit 0" 0 \
	"$WINNOW" regress -j "$J" -p "$TMP/new.csv" "$ds"
expect_eq "right and wrong only" "$(cut -f1,4 "$TMP/out" | tr '\t\n' ': ')" \
	"no/n1.wav:right no/n2.wav:missing up/u1.wav:wrong yes/tab\\x09bed.wav:right yes/w\\\\x41.wav:right yes/y1.wav:right yes/y2.wav:wrong "
expect_status "a baseline where nothing broke: exit 0" 0 \
	"$WINNOW" regress -p "$TMP/new.csv" -b "$TMP/new.csv" "$ds"

# ---- a list: as export --rogues writes it (escaped), and as others do ----
"$WINNOW" export --rogues "$J" >"$TMP/exported" 2>/dev/null
expect_status "the list export --rogues writes" 1 \
	"$WINNOW" regress --rogues "$TMP/exported" -p "$TMP/new.csv" --baseline "$TMP/old.csv" "$ds"
cp "$TMP/out" "$TMP/from-list"
"$WINNOW" regress -p "$TMP/new.csv" --baseline "$TMP/old.csv" "$ds" >"$TMP/from-journal" 2>/dev/null
check "judges the same rogues as the journal" cmp -s "$TMP/from-list" "$TMP/from-journal"
check "the tabbed name among them" grep -q '^yes/tab\\x09bed.wav' "$TMP/from-list"

printf 'up/u2.wav\r\nyes/%s\n\nyes/caf\\xe9.wav\nyes/gone.wav\nyes/back\\slash.wav\nno/n1.wav' "$cafe" \
	>"$TMP/list"
expect_status "a list of my own: exit 0" 0 "$WINNOW" regress -r "$TMP/list" -p "$TMP/new.csv" "$ds"
expect_eq "in its order; the label after the journal's relabel; names raw and escaped" \
	"$(cat "$TMP/out")" \
"up/u2.wav${tab}no${tab}no${tab}right
yes/caf\\xe9.wav${tab}yes${tab}yes${tab}right
yes/caf\\xe9.wav${tab}yes${tab}yes${tab}right
yes/back\\\\slash.wav${tab}yes${tab}yes${tab}right
no/n1.wav${tab}no${tab}no${tab}right"
check "a path the dataset lacks is named with its line, and left out" \
	contains "$TMP/err" "$TMP/list:5: yes/gone.wav is not in the dataset; left out"
expect_eq "and counted in the summary" "$(tail -1 "$TMP/err")" \
	"winnow regress: 5 rogues: 5 right, 0 wrong, 0 fixed, 0 broke, 0 missing; 1 left out"

printf '_background_noise_/hum.wav\n' >"$TMP/unlabelled"
expect_status "a rogue without a label" 0 "$WINNOW" regress -r "$TMP/unlabelled" -p "$TMP/new.csv" "$ds"
check "is named and left out" contains "$TMP/err" "_background_noise_/hum.wav has no label"

# A list and no journal at all: the dataset's own labels.
mv "$J" "$TMP/journal.yaml"
expect_status "a list without a journal" 0 "$WINNOW" regress -r "$TMP/list" -p "$TMP/new.csv" "$ds"
expect_eq "labels are the dataset's" "$(sed -n 1p "$TMP/out")" "up/u2.wav${tab}up${tab}no${tab}wrong"

# ---- errors: exit 2, one line naming the file ----
bad() {
	desc=$1; shift
	"$WINNOW" regress "$@" >"$TMP/out" 2>"$TMP/err"; st=$?
	if [ $st -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] && [ ! -s "$TMP/out" ]; then
		pass "$desc: $(cat "$TMP/err")"
	else
		fail "$desc (exit $st)"; sed 's/^/#   /' "$TMP/err" | head -5
	fi
}
bad "no journal and no list" -p "$TMP/new.csv" "$ds"
check "names the journal it looked for" contains "$TMP/err" "$J"
mv "$TMP/journal.yaml" "$J"
bad "a missing predictions file" -p "$TMP/nothing.csv" "$ds"
check "names it" contains "$TMP/err" "$TMP/nothing.csv: No such file"
bad "a missing baseline" -p "$TMP/new.csv" --baseline "$TMP/nothing.csv" "$ds"
bad "a missing list" -r "$TMP/nothing.txt" -p "$TMP/new.csv" "$ds"
head -c 4096 "$WINNOW" >"$TMP/garbage"
bad "a list that is not text" -r "$TMP/garbage" -p "$TMP/new.csv" "$ds"
bad "a journal of another dataset" -j "$TMP/garbage" -p "$TMP/new.csv" "$ds"
bad "no -p" "$ds"
bad "no DATASET" -p "$TMP/new.csv"
check "--help prints the usage" sh -c '"$1" regress --help | grep -q "usage: winnow regress"' sh "$WINNOW"

finish
