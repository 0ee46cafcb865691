#!/bin/sh
# check.sh — `winnow check` on a speech and an image dataset with planted
# faults (tests/make-fixtures): every fault found by its check, and nothing
# else found (a false alarm fails as surely as a miss); clean datasets give
# exit 0; TSV and JSON agree; the cache is used and invalidated; shards
# merge into exactly one run's output; thresholds from options and the
# configuration file; usage errors.
. "$top_srcdir/tests/lib.sh"
need espeak-ng sox /usr/bin/convert

S=$TMP/speech I=$TMP/images
sh "$top_srcdir/tests/make-fixtures" speech "$S" || fail "make-fixtures speech"
sh "$top_srcdir/tests/make-fixtures" images "$I" || fail "make-fixtures images"

# found FILE: the (path, check) pairs of a TSV output, sorted
found() { cut -f1,2 "$1" | sort; }
# missed/extra OUT EXPECTED: lines only in one of them, for the log
report() {
	sort "$2" | comm -13 - "$TMP/pairs" | sed 's/^/#   false alarm: /'
	sort "$2" | comm -23 - "$TMP/pairs" | sed 's/^/#   missed: /'
}

for set in speech images; do
	D=$TMP/$set
	expect_status "$set: findings exit 1" 1 "$WINNOW" check "$D"
	cp "$TMP/out" "$TMP/$set.tsv"
	cp "$TMP/err" "$TMP/$set.err"
	found "$TMP/$set.tsv" >"$TMP/pairs"
	if cmp -s "$TMP/pairs" "$D/EXPECTED"; then
		pass "$set: every planted fault found, and nothing else"
	else
		fail "$set: findings differ from the planted faults"
		report "$TMP/$set.tsv" "$D/EXPECTED"
	fi
	for c in $(cut -f2 "$D/EXPECTED" | sort -u); do
		n=$(grep -c "	$c$" "$D/EXPECTED")
		got=$(sed -n "s/^  $c  *\([0-9]*\)$/\1/p" "$TMP/$set.err")
		expect_eq "$set: summary counts $c" "$got" "$n"
	done
	check "$set: three fields a line" \
		awk -F '\t' 'NF != 3 { exit 1 }' "$TMP/$set.tsv"
	check "$set: no progress when stderr is not a terminal" \
		sh -c "! grep -q 'measured' '$TMP/$set.err'"
done

# Details name the measured value and the threshold.
T=$TMP/speech.tsv
detail() { grep -F "$1	$2	" "$T" | cut -f3; }
check "silent: peak and threshold" sh -c \
	"echo '$(detail yes/00a0c001_nohash_0.wav silent)' | grep -Eq '^peak -[0-9.]+ dBFS < -60 dBFS$|^peak -inf dBFS < -60 dBFS$'"
check "quiet: peak below the median minus 30 dB" sh -c \
	"echo '$(detail no/00a0c002_nohash_0.wav quiet)' | grep -Eq '^peak -4[0-9]\.[0-9] dBFS < -[0-9.]+ dBFS \(median -[0-9.]+ dBFS -30 dB\)$'"
check "truncated: duration against the class median" sh -c \
	"echo '$(detail up/00a0c003_nohash_0.wav truncated)' | grep -q '^0.40 s < 0.80 s (0.8 x median 1.00 s of up)$'"
check "truncated: speech cut at the start" sh -c \
	"echo '$(detail down/00a0c004_nohash_0.wav truncated)' | grep -q '^first 10 ms at '"
check "clipped: share of full-scale samples" sh -c \
	"echo '$(detail left/00a0c006_nohash_0.wav clipped)' | grep -Eq '^[0-9.]+% of samples in full-scale runs >= 0.1%$'"
check "unreadable: zero bytes" sh -c \
	"echo '$(detail down/00a0c008_nohash_0.wav unreadable)' | grep -q '^0 bytes'"
check "unreadable: header only" sh -c \
	"echo '$(detail yes/00a0c009_nohash_0.wav unreadable)' | grep -q 'header only'"
check "unreadable: a copy cut short" sh -c \
	"echo '$(detail left/00a0c005_nohash_0.wav unreadable)' | grep -q '^file cut short: 0.38 s of the 1.00 s'"
check "unreadable: a Git LFS pointer says what to do" sh -c \
	"echo \"$(detail yes/00a0c00c_nohash_0.wav unreadable)\" | grep -Eq \"^a Git LFS pointer \\([0-9]+ bytes\\), not the wav file: run 'git lfs pull'$\""
check "ext-mismatch: names both formats" sh -c \
	"echo '$(detail no/00a0c00a_nohash_0.wav ext-mismatch)' | grep -q '^flac content, named as wav$'"
check "split-leak: names the speaker and the splits" sh -c \
	"echo '$(detail no/9d0c55e1_nohash_0.wav split-leak)' | grep -q '^speaker 9d0c55e1 in validation: 4 in training, 1 in validation$'"
check "label-conflict: names the other copy" sh -c \
	"echo '$(detail up/7be04d11_nohash_0.wav label-conflict)' | grep -q 'down/00a0c00b_nohash_0.wav, labelled down'"
check "near-duplicate: the nearest copy, the group, the correlation" sh -c \
	"echo '$(detail yes/f0a00001_nohash_0.wav near-duplicate)' | grep -Eq '^near copy of yes/[0-9a-f]{8}_nohash_0.wav \(group of 6, waveforms correlate (0\.9[4-9][0-9]|1\.000) >= 0\.94\)$'"
check "label-conflict, near: names the copy and its label" sh -c \
	"echo '$(detail up/f0b00001_nohash_0.wav label-conflict)' | grep -Eq '^near copy of down/1e6b3f77_nohash_0.wav, labelled down \(group of 3, waveforms correlate '"
check "split-leak, near: names the splits" sh -c \
	"echo '$(detail up/f0c00001_nohash_0.wav split-leak)' | grep -Eq '^near copy in testing of up/3a1f09c2_nohash_0.wav in training \(group of 3, '"
T=$TMP/images.tsv
check "near-duplicate: hash bits apart against the threshold" sh -c \
	"echo '$(detail train/cat/near1-q60.jpg near-duplicate)' | grep -Eq '^near copy of train/cat/near[02][-a-z]*\.png \(group of 5, [0-7] bits apart <= 7\)$'"
check "tiny: size against the median" sh -c \
	"echo '$(detail train/dog/tiny.png tiny)' | grep -Eq '^8x8 px: shorter side 8 < [0-9]+ px \(0.25 x median [0-9]+ px\)$'"
check "blank: spread and threshold" sh -c \
	"echo '$(detail train/cat/blank.jpg blank)' | grep -Eq '^pixel spread [01]\.[0-9] < 2$'"
check "dark: the brightest pixels' luma and the line" sh -c \
	"echo '$(detail train/cat/dark1.png dark)' | grep -Eq '^99% of pixels at luma [0-9]+ or below < 56 \(0.22 of 255\)$'"
check "bright: the darkest pixels' luma and the line" sh -c \
	"echo '$(detail train/dog/bright1.png bright)' | grep -Eq '^99% of pixels at luma [0-9]+ or above > 204 \(0.8 of 255\)$'"
check "blurry: sharpness against the median" sh -c \
	"echo '$(detail train/dog/blur2.jpg blurry)' | grep -Eq '^sharpness 0\.[0-9]+ < 0\.[0-9]+ \(0.4 x median 0\.[0-9]+\)$'"
check "grayscale: within JPEG's error of grey, in a colour dataset" sh -c \
	"echo '$(detail train/dog/gray5.jpg grayscale)' | grep -Eq '^no colour: 99% of pixels within [1-5] of grey \(< 6\), where [0-9]+% of the images have colour$'"
check "odd-aspect: the ratio against the class's median" sh -c \
	"echo '$(detail train/cat/strip1.png odd-aspect)' | grep -Eq '^200x40 px: width/height 5.00 is [0-9.]+ x wider than the median 1\.[0-9]+ of cat \(> 2.5 x\)$'"
check "low-information: entropy against the line" sh -c \
	"echo '$(detail train/cat/low3.jpg low-information)' | grep -Eq '^luma entropy [0-2]\.[0-9]+ bits < 3 bits$'"
T=$TMP/speech.tsv
check "format-mismatch: names what differs and the class's own" grep -Eq \
	"^yes/00a0c014_nohash_0.wav	format-mismatch	44100 Hz where 9[0-9]% of yes's audio is 16000 Hz, 24-bit where 9[0-9]% of yes's audio is 16-bit$" "$T"
check "dc-offset: the offset and the line" sh -c \
	"echo '$(detail no/00a0c016_nohash_0.wav dc-offset)' | grep -Eq '^mean sample -0.1000 \(-20.0 dBFS\) >= -40 dBFS$'"
check "noisy: the estimated SNR and the line" sh -c \
	"echo '$(detail up/00a0c019_nohash_0.wav noisy)' | grep -Eq '^estimated SNR -?[0-9.]+ dB < 10 dB$'"

# ---- clean datasets: nothing at all ----
C=$TMP/clean
for l in yes no up down left; do
	mkdir -p "$C/speech/$l"
	for spk in 3a1f09c2 7be04d11 c4d2e8a0 1e6b3f77 9d0c55e1 5f8a2b3c b2e7c410; do
		cp "$S/$l/${spk}_nohash_0.wav" "$C/speech/$l/"
	done
done
mkdir -p "$C/images"
cp -R "$I/train" "$C/images/"
# Every planted fault out, both copies of a conflict and a leak too.
sed -n 's|^train/\([^	]*\)	.*|\1|p' "$I/EXPECTED" | sort -u | while read -r f; do
	rm "$C/images/train/$f"
done
for set in speech images; do
	expect_status "clean $set: exit 0" 0 "$WINNOW" check "$C/$set"
	check "clean $set: no finding" test ! -s "$TMP/out"
	check "clean $set: the summary says so" contains "$TMP/err" "nothing found"
done

# ---- JSON carries the same findings ----
expect_status "json: exit 1" 1 "$WINNOW" check --format json "$S"
if $PYTHON - "$TMP/out" "$TMP/speech.tsv" <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
tsv = [l.rstrip("\n").split("\t") for l in open(sys.argv[2])]
got = [[f["path"], f["check"], f["detail"]] for f in doc["findings"]]
assert got == tsv, (got, tsv)
counts = {}
for _, c, _ in tsv:
    counts[c] = counts.get(c, 0) + 1
assert doc["counts"] == counts, doc["counts"]
assert doc["samples"] > 0
EOF
then pass "json: the same findings and counts as TSV"; else fail "json: differs from TSV"; fi
expect_status "json: nothing found is still a document" 0 "$WINNOW" check -f json "$C/speech"
check "json: an empty list" $PYTHON -c \
	"import json,sys; d=json.load(open('$TMP/out')); sys.exit(d['findings'] != [] or d['counts'] != {})"

# ---- the cache ----
cachedir=$XDG_CACHE_HOME/winnow/checks
check "the cache is written under XDG_CACHE_HOME" sh -c "ls '$cachedir' | grep -q ."
expect_status "second run" 1 "$WINNOW" check "$S"
check "second run: the same output" cmp -s "$TMP/out" "$TMP/speech.tsv"
# Swap a clean clip for silence of the same size, keeping its mtime: the
# cache still holds the old measures (it is used, not re-read) ...
f=$S/up/1e6b3f77_nohash_0.wav
cp -p "$f" "$TMP/ref.wav"
sox -q -n -r 16000 -c 1 -b 16 "$TMP/silence.wav" trim 0 1
expect_eq "the silent clip has the same size" "$(stat -c %s "$TMP/silence.wav")" "$(stat -c %s "$f")"
cat "$TMP/silence.wav" >"$f"
touch -r "$TMP/ref.wav" "$f"
expect_status "unchanged size and mtime" 1 "$WINNOW" check "$S"
check "... measures come from the cache" cmp -s "$TMP/out" "$TMP/speech.tsv"
# ... and a new mtime makes it read again.
touch "$f"
expect_status "after touch" 1 "$WINNOW" check "$S"
check "... the file is measured again" contains "$TMP/out" "up/1e6b3f77_nohash_0.wav	silent	"
expect_status "--no-cache" 1 "$WINNOW" check --no-cache "$S"
check "... agrees" contains "$TMP/out" "up/1e6b3f77_nohash_0.wav	silent	"
cp -p "$TMP/ref.wav" "$f"
expect_status "restored" 1 "$WINNOW" check "$S"
check "... back to the first output" cmp -s "$TMP/out" "$TMP/speech.tsv"
printf 'not a cache' >"$cachedir/$(ls "$cachedir" | head -1)"
expect_status "a damaged cache is ignored" 1 "$WINNOW" check "$S"
check "... with the same output" cmp -s "$TMP/out" "$TMP/speech.tsv"

# ---- shards ----
# Pick N so that a label-conflict pair falls in two shards: the merge must
# find what no single shard sees.
for n in 3 4 5 6 7; do
	for i in $(seq 1 $n); do
		"$WINNOW" check --shard "$i/$n" -o "$TMP/part$i" "$S" 2>"$TMP/err" ||
			fail "shard $i/$n"
	done
	a=$(grep -l '^up/7be04d11_nohash_0.wav	' "$TMP"/part[0-9]*)
	b=$(grep -l '^down/00a0c00b_nohash_0.wav	' "$TMP"/part[0-9]*)
	[ "$a" != "$b" ] && break
	rm -f "$TMP"/part[0-9]*
done
check "the label-conflict pair is in two shards of $n" test "$a" != "$b"
# Near copies in other shards than their original are found at the merge,
# from the fingerprints the partial files carry.
a=$(grep -l '^yes/c4d2e8a0_nohash_0.wav	' "$TMP"/part[0-9]*)
spans=0
for i in 1 2 3 4 5; do
	b=$(grep -l "^yes/f0a0000${i}_nohash_0.wav	" "$TMP"/part[0-9]*)
	[ "$a" != "$b" ] && spans=$((spans + 1))
done
check "near copies in another shard than their original ($spans of 5)" test "$spans" -gt 0
expect_eq "each sample in exactly one shard" \
	"$(cat "$TMP"/part[0-9]* | grep -vc '^winnow-partial')" \
	"$("$WINNOW" stats --format json "$S" | $PYTHON -c 'import json,sys; print(json.load(sys.stdin)["samples"])')"
set --
for i in $(seq 1 $n); do set -- "$@" "$TMP/part$i"; done
expect_status "merge of $n shards" 1 "$WINNOW" check --merge "$@" "$S"
check "merge: byte for byte one run's output" cmp -s "$TMP/out" "$TMP/speech.tsv"
expect_status "merge, shards in another order" 1 "$WINNOW" check --merge \
	$(printf '%s\n' "$@" | sort -r) "$S"
check "... the same" cmp -s "$TMP/out" "$TMP/speech.tsv"
"$WINNOW" check --shard "1/$n" "$S" >"$TMP/stdout-part" 2>/dev/null
check "--shard without -o writes to stdout" cmp -s "$TMP/stdout-part" "$TMP/part1"
shift
expect_status "merge with a shard missing" 2 "$WINNOW" check --merge "$@" "$S"
check "... says a shard is missing" contains "$TMP/err" "is a shard missing?"
expect_status "merge with a shard given twice" 2 "$WINNOW" check --merge "$@" "$1" "$S"
check "... names a sample in two partial files" contains "$TMP/err" "is in more than one partial file"
expect_status "merge of something else" 2 "$WINNOW" check --merge "$S/validation_list.txt" "$S"
check "... says it is not a partial file" contains "$TMP/err" "not a partial file"

# ---- suspect labels from predictions ----
# A model that agrees with every label but one: yes/c4d2e8a0 sounds like "no".
find "$S" -name '*.wav' | sed "s|^$S/||" | sort | $PYTHON -c '
import sys
labels = ["down", "left", "no", "up", "yes"]
print("path,pred," + ",".join("p_" + l for l in labels))
for path in sys.stdin.read().split():
    label = path.split("/")[0]
    if label not in labels:
        continue
    pred = "no" if path == "yes/c4d2e8a0_nohash_0.wav" else label
    print(path + "," + pred + "," + ",".join("0.92" if l == pred else "0.02" for l in labels))
' >"$TMP/pred.csv"
expect_status "with predictions" 1 "$WINNOW" check -p "$TMP/pred.csv" "$S"
grep -v '	suspect-label	' "$TMP/out" >"$TMP/others"
check "predictions add suspects, and change nothing else" cmp -s "$TMP/others" "$TMP/speech.tsv"
expect_eq "one suspect" "$(grep '	suspect-label	' "$TMP/out" | cut -f1)" "yes/c4d2e8a0_nohash_0.wav"
check "... its detail has the probabilities" sh -c \
	"grep '	suspect-label	' '$TMP/out' | grep -q 'p(no)=0.92'"
expect_status "a missing predictions file" 2 "$WINNOW" check -p "$TMP/none.csv" "$S"
check "... is named" contains "$TMP/err" "none.csv"

# ---- free-length sounds are never truncated ----
# Sound effects: lengths from 0.1 to 1.5 s, most starting at full strength.
# Short ones and sharp attacks are how such sounds are made; only classes
# recorded in fixed lengths (as every speech class above) are judged.
F=$TMP/effects
mkdir -p "$F/alert" "$F/chime"
i=0
for len in 0.10 0.15 0.22 0.31 0.50 0.75 1.10 1.50; do
	i=$((i + 1))
	sox -q -n -r 22050 -c 1 -b 16 "$F/alert/beep$i.wav" synth "$len" sine $((400 + 90 * i)) fade 0 "$len" 0.05
	sox -q -n -r 22050 -c 1 -b 16 "$F/chime/chime$i.wav" synth "$len" pluck $((300 + 70 * i)) fade 0.01 "$len" "$(awk "BEGIN { print $len / 2 }")"
done
expect_status "free-length effects: no truncated" 0 "$WINNOW" check "$F"
check "... nothing found" test ! -s "$TMP/out"
# The same classes judged as fixed-length clips once they are held to be.
expect_status "fixed-length=0 judges them all" 1 "$WINNOW" check -t fixed-length=0 "$F"
check "... then the short ones are truncated" grep -q '^alert/beep1.wav	truncated	' "$TMP/out"
# Real material: Debian's freedesktop sound theme, when installed.
if [ -d /usr/share/sounds/freedesktop/stereo ]; then
	mkdir -p "$TMP/theme/theme"
	cp /usr/share/sounds/freedesktop/stereo/*.oga "$TMP/theme/theme/"
	"$WINNOW" check "$TMP/theme" >"$TMP/out" 2>/dev/null
	check "the freedesktop sound theme: no truncated" sh -c "! grep -q '	truncated	' '$TMP/out'"
	# Its rates are mixed (8 to 96 kHz), and its tones are no noise.
	check "... no format-mismatch" sh -c "! grep -q '	format-mismatch	' '$TMP/out'"
	check "... the ringing tones are not noisy" sh -c "! grep -q 'phone.*	noisy	' '$TMP/out'"
else
	echo "# the freedesktop sound theme is not installed (contrib/install-deps)"
fi

# ---- quality checks hold a dataset to its own look ----
# Mixed rates (half 16 kHz, half 8 kHz) are no format-mismatch; one 8 kHz
# clip among 16 kHz ones is. Each clip is there once: a clip and its 8 kHz
# copy would be near copies.
M=$TMP/mixed
mkdir -p "$M/word"
n=0
for l in yes no up down left; do
	for f in "$C/speech/$l/"*.wav; do
		n=$((n + 1))
		if [ $((n % 2)) -eq 0 ]; then
			cp "$f" "$M/word/$l-$(basename "$f")"
		else
			sox -q "$f" -r 8000 "$M/word/8k-$l-$(basename "$f")"
		fi
	done
done
expect_status "mixed rates: no format-mismatch" 0 "$WINNOW" check "$M"
rm "$M/word/8k-"*
for l in yes no up down left; do
	for f in "$C/speech/$l/"*.wav; do cp "$f" "$M/word/$l-$(basename "$f")"; done
done
cp "$S/up/00a0c010_nohash_0.wav" "$M/word/"
expect_status "one 8 kHz clip among 16 kHz ones" 1 "$WINNOW" check "$M"
check "... is a format-mismatch against the class" contains "$TMP/out" \
	"word/00a0c010_nohash_0.wav	format-mismatch	8000 Hz where 97% of word's audio is 16000 Hz"
expect_status "format-share=0.98 lets it pass" 0 "$WINNOW" check -t format-share=0.98 "$M"
# Grey pictures in a grey dataset are its look, not a fault; the clean
# colour pictures with two grey ones, one is.
G=$TMP/grey
mkdir -p "$G/pic"
for f in "$C/images/train/cat/"*; do convert "$f" -colorspace Gray "$G/pic/$(basename "$f")"; done
expect_status "a grey dataset: no grayscale" 0 "$WINNOW" check "$G"
expect_status "-t colour-share=0 judges it anyway" 1 "$WINNOW" check -t colour-share=0 "$G"
expect_eq "... every picture grayscale" "$(grep -c '	grayscale	' "$TMP/out")" "$(ls "$G/pic" | wc -l)"
# Dark pictures in a dataset of night scenes: held to half its median.
N=$TMP/night
mkdir -p "$N/pic"
for f in "$C/images/train/cat/"*; do convert "$f" -evaluate multiply 0.2 "$N/pic/$(basename "$f")"; done
expect_status "a dark dataset: no dark" 0 "$WINNOW" check "$N"
convert "$C/images/train/cat/cat1.jpg" -evaluate multiply 0.05 "$N/pic/darker.png"
expect_status "... but one far darker than the rest" 1 "$WINNOW" check "$N"
check "... is dark against half the median" sh -c \
	"grep -Eq '^pic/darker.png	dark	99% of pixels at luma [0-9]+ or below < [0-9]+ \(half the median [0-9]+\)$' '$TMP/out'"

# ---- thresholds: options, the configuration file ----
U=$TMP/unbalanced
cp -R "$C/speech" "$U"
rm "$U/no/3a1f09c2_nohash_0.wav" "$U/no/7be04d11_nohash_0.wav"
expect_status "7 against 5 is no imbalance by default" 0 "$WINNOW" check "$U"
expect_status "near-audio=1.5" 1 "$WINNOW" check -t near-audio=1.5 "$S"
check "... no clip is a near copy" sh -c "! grep -q 'waveforms correlate' '$TMP/out'"
expect_status "near-image=0" 1 "$WINNOW" check -t near-image=0 "$I"
check "... only pictures with the same hash" sh -c \
	"! grep -E 'bits apart' '$TMP/out' | grep -qv ' 0 bits apart <= 0)'"
expect_status "imbalance=1.2" 1 "$WINNOW" check -t imbalance=1.2 "$U"
expect_eq "... one finding" "$(wc -l <"$TMP/out")" 1
check "... a dataset-wide finding at ." sh -c \
	"grep -q '^\.	imbalance	largest class down has 7 samples, smallest no 5: ratio 1.4 > 1.2$' '$TMP/out'"
mkdir -p "$XDG_CONFIG_HOME/winnow"
printf 'thresholds:\n  quiet: -50\n' >"$XDG_CONFIG_HOME/winnow/config.yaml"
"$WINNOW" check "$S" >"$TMP/out" 2>/dev/null
check "config quiet: -50 lets a -40 dB clip pass" sh -c "! grep -q '	quiet	' '$TMP/out'"
"$WINNOW" check -t quiet=-30 "$S" >"$TMP/out" 2>/dev/null
check "an option wins over the configuration file" cmp -s "$TMP/out" "$TMP/speech.tsv"
printf 'thresholds:\n  quiet: loud\n' >"$XDG_CONFIG_HOME/winnow/config.yaml"
expect_status "a bad configuration file" 2 "$WINNOW" check "$S"
check "... names the file" contains "$TMP/err" "config.yaml"
rm "$XDG_CONFIG_HOME/winnow/config.yaml"

# ---- hostile names stay one line ----
H=$TMP/hostile
mkdir -p "$H/yes"
cp "$C/speech/yes/"*.wav "$H/yes/"
cp "$S/yes/00a0c001_nohash_0.wav" "$H/yes/$(printf 'tab\there\nnewline.wav')"
expect_status "a name with a tab and a newline" 1 "$WINNOW" check "$H"
expect_eq "... one line" "$(wc -l <"$TMP/out")" 1
check "... escaped" contains "$TMP/out" 'yes/tab\x09here\x0anewline.wav	silent	'

# ---- progress on a terminal ----
script -qec "'$WINNOW' check --no-cache '$S' >/dev/null" /dev/null >"$TMP/tty" 2>&1
check "progress on stderr when it is a terminal" contains "$TMP/tty" "files measured"

# ---- in the browser: checks run when the dataset opens ----
if command -v tmux >/dev/null; then
	n=$(wc -l <"$TMP/speech.tsv")
	m=$(cut -f1 "$TMP/speech.tsv" | uniq | wc -l)
	rm -rf "$XDG_CACHE_HOME/winnow"
	tmux_start 120 30 "$WINNOW" "$S"
	check "browser: the checks' summary on the status line" \
		screen_wait "checks: $n findings in $m samples"
	badge() { screen | grep -q 'down/00a0c008_nohash_0.wav  *unreadable'; }
	check "browser: a badge beside the empty clip" wait_for badge
	tmux_keys /
	tmux_keys 'check=silent' Enter
	check "browser: /check=silent keeps the silent clip" screen_wait "1 of "
	# Counted on a settled screen: the rows of the whole list may still be
	# on it while the filtered one is drawn.
	listed() { screen_settled | grep -o '[a-z]*/[0-9a-f]*_nohash_[0-9]*\.wav'; }
	expect_soon "browser: ... and only the right one" yes/00a0c001_nohash_0.wav listed
	tmux_keys q
	expect_exit "browser: q quits, status 0" 0
	tmux_stop
fi

# ---- usage errors ----
expect_status "no dataset" 2 "$WINNOW" check
expect_status "a missing dataset" 2 "$WINNOW" check "$TMP/nowhere"
check "... names it" contains "$TMP/err" "$TMP/nowhere"
expect_status "unknown threshold" 2 "$WINNOW" check -t loudness=3 "$S"
check "... says so" contains "$TMP/err" "no such threshold"
expect_status "threshold not a number" 2 "$WINNOW" check -t quiet=x "$S"
expect_status "bad shard" 2 "$WINNOW" check --shard 4/3 "$S"
expect_status "bad format" 2 "$WINNOW" check --format xml "$S"
expect_status "--merge with --shard" 2 "$WINNOW" check --merge --shard 1/2 "$TMP/part1" "$S"
expect_status "--help" 0 "$WINNOW" check --help
check "--help lists the thresholds" contains "$TMP/out" "imbalance"

finish
