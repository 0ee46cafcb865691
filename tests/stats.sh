#!/bin/sh
# stats.sh — `winnow stats` on a folder tree and on a manifest, in its three
# formats, with --durations against sox's own durations, and its usage errors.
. "$top_srcdir/tests/lib.sh"
need espeak-ng sox soxi /usr/bin/convert

D=$TMP/speech
mkdir -p "$D/yes" "$D/no" "$D/up" "$D/_background_noise_"
speak yes "$D/yes/aaaa0001_nohash_0.wav" en
speak yes "$D/yes/aaaa0002_nohash_0.wav" en+f3
speak yes "$D/yes/aaaa0003_nohash_0.wav" en-us 120
sox -q "$D/yes/aaaa0001_nohash_0.wav" "$D/yes/aaaa0004_nohash_0.wav" trim 0 0.40
speak no "$D/no/aaaa0001_nohash_0.wav" en
speak no "$TMP/no.wav" en+m3
sox -q "$TMP/no.wav" "$D/no/aaaa0002_nohash_0.wav" trim 0 0.55
speak up "$D/up/aaaa0001_nohash_0.wav" en
/usr/bin/convert -size 16x16 xc:red "$D/up/picture.png"
sox -q -n -r 16000 -c 1 -b 16 "$D/_background_noise_/white.wav" synth 2.5 whitenoise vol 0.1
cp "$D/yes/aaaa0001_nohash_0.wav" "$D/yes/.hidden.wav"
echo "a dataset" >"$D/README.md"

# ---- text ----
expect_status "stats on a folder tree" 0 "$WINNOW" stats "$D"
cp "$TMP/out" "$TMP/text"
check "text: counts samples, labels and unlabelled" \
	contains "$TMP/text" "samples    9 in 3 labels (8 labelled, 1 in _folders, not labels)"
check "text: kinds by file name" contains "$TMP/text" "audio 8 image 1"
check "text: imbalance is largest over smallest" \
	contains "$TMP/text" "imbalance  2.00 (largest yes 4, smallest no 2)"
row=$(grep '^yes ' "$TMP/text" | tr -s ' ')
expect_eq "text: yes row, share of labelled samples" "$row" "yes 4 50.0%"
check "text: nothing on stderr" test ! -s "$TMP/err"
check "text: no split line without splits" sh -c "! grep -q '^splits' '$TMP/text'"

# ---- TSV ----
expect_status "stats --format tsv" 0 "$WINNOW" stats --format tsv "$D"
cp "$TMP/out" "$TMP/tsv"
expect_eq "tsv: header" "$(head -1 "$TMP/tsv")" "$(printf 'label\tcount\tshare')"
expect_eq "tsv: one row per label, label first, sorted" "$(cut -f1 "$TMP/tsv" | tail -n +2 | tr '\n' ' ')" "no up yes "
expect_eq "tsv: yes row" "$(grep '^yes' "$TMP/tsv")" "$(printf 'yes\t4\t0.5000')"
expect_eq "tsv: counts add up to the labelled samples" \
	"$(awk -F'\t' 'NR > 1 { n += $2 } END { print n }' "$TMP/tsv")" 8
expect_eq "tsv: shares add up to 1" \
	"$(awk -F'\t' 'NR > 1 { s += $3 } END { printf "%.3f", s }' "$TMP/tsv")" 1.000

# ---- JSON ----
expect_status "stats --format json" 0 "$WINNOW" stats --format=json "$D"
cp "$TMP/out" "$TMP/json"
check "json: valid (python3 -m json.tool)" sh -c "$PYTHON -m json.tool '$TMP/json' >/dev/null"
got=$($PYTHON - "$TMP/json" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
labels = {l["label"]: l for l in j["labels"]}
print(j["layout"], j["samples"], j["labelled"], j["unlabelled"], j["imbalance"],
      j["kinds"]["audio"], j["kinds"]["image"], sorted(labels),
      labels["yes"]["count"], labels["yes"]["share"], labels["up"]["share"])
EOF
)
expect_eq "json: numbers" "$got" "folders 9 8 1 2.0 8 1 ['no', 'up', 'yes'] 4 0.5 0.25"

# ---- --durations against soxi ----
expect_status "stats --durations --format tsv" 0 "$WINNOW" stats --durations --format tsv "$D"
cp "$TMP/out" "$TMP/dur"
expect_eq "durations: two more columns" "$(head -1 "$TMP/dur")" \
	"$(printf 'label\tcount\tshare\ttotal_s\tmedian_s')"
for label in yes no up; do
	want=$(for f in "$D/$label"/*.wav; do soxi -D "$f"; done | sort -n | awk '
		{ v[NR] = $1; t += $1 }
		END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		      printf "%.3f %.3f", t, m }')
	got=$(awk -F'\t' -v l="$label" '$1 == l { print $4, $5 }' "$TMP/dur")
	expect_eq "durations of $label: total and median as soxi says" "$got" "$want"
done
expect_status "stats --durations (text)" 0 "$WINNOW" stats -d "$D"
check "durations: text has the columns" contains "$TMP/out" "median"
expect_eq "durations: yes total and median in text" \
	"$(grep '^yes ' "$TMP/out" | tr -s ' ' | cut -d' ' -f4,5)" \
	"$(awk -F'\t' '$1 == "yes" { printf "%.1fs %.3fs", $4, $5 }' "$TMP/dur")"
expect_status "stats --durations --format json" 0 "$WINNOW" stats --durations --format json "$D"
check "durations: JSON valid" sh -c "$PYTHON -m json.tool '$TMP/out' >/dev/null"

# Plain stats must not open a sample file; --durations opens each audio one.
if command -v strace >/dev/null 2>&1 &&
	strace -f -qq -e trace=none true 2>/dev/null; then
	strace -f -qq -e trace=open,openat,openat2 -o "$TMP/trace" "$WINNOW" stats "$D" >/dev/null 2>&1
	expect_eq "plain stats opens no sample file" \
		"$(grep -c '\.wav"' "$TMP/trace")" 0
	strace -f -qq -e trace=open,openat,openat2 -o "$TMP/trace" "$WINNOW" stats -d "$D" >/dev/null 2>&1
	expect_eq "--durations opens each labelled audio file" \
		"$(grep '\.wav"' "$TMP/trace" | grep -v ' = -1' | grep -vc _background_noise_)" 7
else
	echo "# strace cannot run here: file opens not checked"
fi

# ---- splits from the Speech Commands lists ----
printf 'yes/aaaa0002_nohash_0.wav\nno/aaaa0002_nohash_0.wav\n' >"$D/validation_list.txt"
printf 'yes/aaaa0003_nohash_0.wav\nyes/gone_nohash_0.wav\n' >"$D/testing_list.txt"
expect_status "stats with split lists" 0 "$WINNOW" stats --format tsv "$D"
expect_eq "tsv: a column per split" "$(head -1 "$TMP/out")" \
	"$(printf 'label\tcount\tshare\tvalidation\ttesting\ttraining')"
expect_eq "tsv: yes by split" "$(grep '^yes' "$TMP/out")" "$(printf 'yes\t4\t0.5000\t1\t1\t2')"
expect_eq "a listed path that is missing is one problem on stderr" "$(cat "$TMP/err")" \
	"winnow: testing_list.txt: line 2: yes/gone_nohash_0.wav is not in the dataset"
expect_status "text with split lists" 0 "$WINNOW" stats "$D"
check "text: split totals" contains "$TMP/out" "splits     validation 2 testing 1 training 5 (none 1)"
expect_status "json with split lists" 0 "$WINNOW" stats --format json "$D"
got=$($PYTHON -c 'import json, sys
j = json.load(open(sys.argv[1]))
print(j["splits"], j["problems"], [l["splits"] for l in j["labels"] if l["label"] == "no"][0])' "$TMP/out")
expect_eq "json: splits" "$got" \
	"{'validation': 2, 'testing': 1, 'training': 5} 1 {'validation': 1, 'testing': 0, 'training': 1}"
rm "$D/validation_list.txt" "$D/testing_list.txt"

# ---- a manifest ----
cat >"$D/labels.csv" <<'EOF'
path,label,split
yes/aaaa0001_nohash_0.wav,yes,train
yes/aaaa0002_nohash_0.wav,yes,train
no/aaaa0001_nohash_0.wav,no,train
no/aaaa0002_nohash_0.wav,no,test
up/aaaa0001_nohash_0.wav,up,test
up/picture.png,picture,test
up/missing.wav,up,train
../escape.wav,up,train
EOF
expect_status "stats on a manifest" 0 "$WINNOW" stats --format tsv "$D/labels.csv"
expect_eq "manifest: rows" "$(tail -n +2 "$TMP/out" | tr '\t' ' ' | tr '\n' '|')" \
	"no 2 0.3333 1 1|picture 1 0.1667 0 1|up 1 0.1667 0 1|yes 2 0.3333 2 0|"
expect_eq "manifest: two problems on stderr" "$(wc -l <"$TMP/err")" 2
check "manifest: the missing file is named" contains "$TMP/err" \
	"winnow: labels.csv: line 8: up/missing.wav: No such file or directory"
check "manifest: the '..' path is refused" contains "$TMP/err" "'../escape.wav' is refused"
expect_status "manifest as text" 0 "$WINNOW" stats "$D/labels.csv"
check "manifest: text names it" contains "$TMP/out" "(manifest labels.csv)"
check "manifest: imbalance" contains "$TMP/out" "imbalance  2.00 (largest no 2, smallest picture 1)"
expect_status "manifest as JSON" 0 "$WINNOW" stats --format json "$D/labels.csv"
got=$($PYTHON -c 'import json, sys
j = json.load(open(sys.argv[1])); print(j["layout"], j["manifest"], j["samples"], j["problems"])' "$TMP/out")
expect_eq "manifest: JSON" "$got" "manifest labels.csv 6 2"
rm "$D/labels.csv"

# ---- names that are not UTF-8, an empty label ----
N=$TMP/names
mkdir -p "$N/caf$(printf '\351')" "$N/tab$(printf '\t')bed" "$N/empty" "$N/ok"
cp "$D/no/aaaa0001_nohash_0.wav" "$N/caf$(printf '\351')/a.wav"
cp "$D/no/aaaa0001_nohash_0.wav" "$N/tab$(printf '\t')bed/a.wav"
cp "$D/no/aaaa0001_nohash_0.wav" "$N/ok/a.wav"
expect_status "json with odd names" 0 "$WINNOW" stats --format json "$N"
check "json: still valid" sh -c "$PYTHON -m json.tool '$TMP/out' >/dev/null"
got=$($PYTHON -c 'import json, sys
j = json.load(open(sys.argv[1])); print([l["label"] for l in j["labels"]], j["imbalance"])' "$TMP/out")
expect_eq "json: a non-UTF-8 label escaped, a tab kept, an empty label gives no ratio" "$got" \
	"['caf\\\\xe9', 'empty', 'ok', 'tab\\tbed'] None"
expect_status "tsv with odd names" 0 "$WINNOW" stats --format tsv "$N"
expect_eq "tsv: names escaped, so a tab cannot break a row" \
	"$(cut -f1 "$TMP/out" | tail -n +2 | tr '\n' ' ')" 'caf\xe9 empty ok tab\x09bed '
expect_status "text with odd names" 0 "$WINNOW" stats "$N"
check "text: an empty label makes the ratio infinite" contains "$TMP/out" "imbalance  inf (largest caf\\xe9 1, smallest empty 0)"

E=$TMP/empty
mkdir -p "$E"
expect_status "an empty folder" 0 "$WINNOW" stats "$E"
check "empty: zero samples" contains "$TMP/out" "samples    0 in 0 labels"
expect_status "an empty folder as JSON" 0 "$WINNOW" stats --format json "$E"
check "empty: JSON valid" sh -c "$PYTHON -m json.tool '$TMP/out' >/dev/null"

# ---- the cache of folder listings ----
# A manifest's folders are remembered once their last change is 5 s old;
# a folder changed since is read again: a file removed after is missing.
L=$TMP/listed
mkdir -p "$L/yes" "$L/no"
for f in yes/a.wav yes/b.wav no/a.wav no/b.wav; do printf x >"$L/$f"; done
printf 'path,label\nyes/a.wav,yes\nyes/b.wav,yes\nno/a.wav,no\nno/b.wav,no\n' >"$L/m.csv"
folders=$XDG_CACHE_HOME/winnow/folders
rm -f "$folders"
expect_status "a manifest of new folders" 0 "$WINNOW" stats --format tsv "$L/m.csv"
check "... none is remembered yet" test ! -e "$folders"
sleep 6
expect_status "check --no-cache (the files are not sound: findings)" 1 "$WINNOW" check --no-cache "$L/m.csv"
check "... remembers none" test ! -e "$folders"
expect_status "the folders settled" 0 "$WINNOW" stats --format tsv "$L/m.csv"
check "... are remembered" test -s "$folders"
expect_eq "... two of them" "$(( $(wc -c <"$folders") ))" "$(( 17 + 8 + 2 * 40 ))"
rm "$L/no/b.wav"
expect_status "a file removed since" 0 "$WINNOW" stats --format tsv "$L/m.csv"
check "... is missing" contains "$TMP/err" "no/b.wav: No such file or directory"
expect_eq "... and not counted" "$(grep -c '^no' "$TMP/out")" 1

# ---- usage errors: exit 2, one line on stderr, nothing on stdout ----
usage_error() {
	desc=$1; shift
	"$WINNOW" stats "$@" >"$TMP/out" 2>"$TMP/err"; st=$?
	if [ "$st" = 2 ] && [ "$(wc -l <"$TMP/err")" = 1 ] && [ ! -s "$TMP/out" ]; then
		pass "usage error: $desc"
	else
		fail "usage error: $desc (exit $st, $(wc -l <"$TMP/err") lines on stderr)"
		sed 's/^/#   /' "$TMP/err"
	fi
}
usage_error "no dataset"
usage_error "two datasets" "$D" "$D"
usage_error "unknown format" --format xml "$D"
usage_error "unknown option" --bogus "$D"
usage_error "unknown short option" -x "$D"
usage_error "format without a value" "$D" --format
usage_error "a missing dataset" "$TMP/nothing"
usage_error "a manifest without a label column" "$D/README.md"
"$WINNOW" stats --format xml "$D" 2>"$TMP/err"
check "the message says what is wrong" contains "$TMP/err" "unknown format 'xml'"
"$WINNOW" stats "$TMP/nothing" 2>"$TMP/err"
check "a missing dataset is named" contains "$TMP/err" "$TMP/nothing"
expect_status "--help" 0 "$WINNOW" stats --help
check "--help prints the usage on stdout" contains "$TMP/out" "usage: winnow stats"

finish
