#!/bin/sh
# demo.sh — data/demo has what winnow(1) says: its counts, each planted
# fault (measured with sox, ImageMagick, file and cmp, not taken on trust),
# a predictions.csv that parses and gives the confusions and suspects the
# man page lists, embeddings with the whispered group, and the bytes that
# contrib/make-demo makes.
. "$top_srcdir/tests/lib.sh"
need sox soxi /usr/bin/identify file

DEMO=$top_srcdir/data/demo
[ -d "$DEMO" ] || { fail "data/demo exists"; finish; }

# ---- the counts of winnow(1) ----
expect_status "winnow stats on the demo" 0 "$WINNOW" stats --format json "$DEMO"
check "no indexing problems" test ! -s "$TMP/err"
got=$($PYTHON -c 'import json, sys
j = json.load(open(sys.argv[1]))
l = {x["label"]: x["count"] for x in j["labels"]}
print(j["samples"], j["kinds"]["audio"], j["kinds"]["image"], j["kinds"]["text"], len(l),
      j["labelled"], j["unlabelled"], j["splits"], j["imbalance"], l["off"], l["stop"])' "$TMP/out")
expect_eq "stats: winnow(1)'s numbers" "$got" \
	"147 128 18 1 10 138 9 {'validation': 9, 'testing': 13, 'training': 116} 10.75 43 4"
expect_eq "the ten keywords are the labels" \
	"$(cd "$DEMO" && ls -d */ | tr -d / | grep -v '^_' | tr '\n' ' ')" \
	"down go left no off on right stop up yes "
expect_eq "find agrees on the number of files in folders" \
	"$(cd "$DEMO" && find . -mindepth 2 -type f -not -path './.*' | wc -l)" 147
expect_eq "six new clips without a label, in _unlabeled/" \
	"$(cd "$DEMO" && ls _unlabeled | grep -c '^[0-9a-f]\{8\}_nohash_[0-9]*\.wav$')" 6
size=$(du -sk "$DEMO" | cut -f1)
check "the demo is small: ${size} KiB" test "$size" -lt 5000

# Every clip but the planted ones is a one-second 16 kHz mono 16-bit WAV.
set --
for f in "$DEMO"/*/*.wav; do
	case $f in
	*/down/7fa0b813_nohash_1.wav|*/left/32098691_nohash_1.wav|*/_background_noise_/*) continue ;;
	esac
	set -- "$@" "$f"
done
# One soxi per property for all the clips (one per clip took seconds).
printf '%s\n' "$@" >"$TMP/clips"
for p in r c b s; do soxi -$p "$@" >"$TMP/soxi-$p" || fail "soxi -$p"; done
paste -d' ' "$TMP/soxi-r" "$TMP/soxi-c" "$TMP/soxi-b" "$TMP/soxi-s" "$TMP/clips" |
	awk '$1 " " $2 " " $3 " " $4 != "16000 1 16 16000" { print "# not 1 s 16 kHz mono 16-bit: " $0 }'
expect_eq "soxi read every clip ($# of them)" "$(cat "$TMP"/soxi-? | wc -l)" $(($# * 4))
expect_eq "clips are 1 s, 16 kHz, mono, 16-bit" \
	"$(paste -d' ' "$TMP/soxi-r" "$TMP/soxi-c" "$TMP/soxi-b" "$TMP/soxi-s" | grep -vcx '16000 1 16 16000')" 0
check "names are Speech Commands names" sh -c \
	"cd '$DEMO' && ! ls */*.wav | grep -v _background_noise_ | grep -vqE '^(_unlabeled|[a-z]+)/[0-9a-f]{8}_nohash_[0-9]+\\.wav\$'"

# ---- each planted fault, measured ----
peak_db() { sox "$DEMO/$1" -n stat 2>&1 | awk '/Maximum amplitude/ { a = $3 } END {
	if (a == 0) print -999; else printf "%.0f", 20 * log(a) / log(10) }'; }
expect_eq "unreadable: cut short at 10000 bytes" "$(wc -c <"$DEMO/down/7fa0b813_nohash_1.wav")" 10000
check "unreadable: its header promises a whole second" \
	test "$(soxi -s "$DEMO/down/7fa0b813_nohash_1.wav" 2>/dev/null)" = 16000
expect_eq "ext-mismatch: go/written_1.jpg is a PNG" "$(file -b --mime-type "$DEMO/go/written_1.jpg")" image/png
expect_eq "the other .jpg files are JPEGs" \
	"$(file -b --mime-type "$DEMO"/*/written_1.jpg | sort | uniq -c | tr -s ' \n' '  ')" " 8 image/jpeg 1 image/png "
expect_eq "silent: digital silence" "$(peak_db down/a7608f91_nohash_0.wav)" -999
expect_eq "silent: peak -75 dBFS" "$(peak_db on/072509f4_nohash_0.wav)" -75
expect_eq "quiet: peak -42 dBFS" "$(peak_db go/32098691_nohash_0.wav)" -42
expect_eq "truncated: 0.45 s" "$(soxi -D "$DEMO/left/32098691_nohash_1.wav")" 0.450000
loud=$($PYTHON - "$DEMO" <<'EOF'
import sys, wave
import numpy as np
def levels(path):
    w = wave.open(sys.argv[1] + "/" + path)
    x = np.frombuffer(w.readframes(w.getnframes()), "<i2").astype(float)
    e = 10 * np.log10((x[:len(x) // 160 * 160].reshape(-1, 160) ** 2).mean(1) + 1e-9)
    return e[0] - e.max(), (np.abs(x) >= 32767).mean()
head, _ = levels("up/25f131f9_nohash_1.wav")
_, clipped = levels("right/e29357f9_nohash_0.wav")
_, normal = levels("right/fd759acc_nohash_0.wav")
print("%d %d %d" % (head > -10, clipped > 0.01, normal == 0))
EOF
)
expect_eq "truncated: the first 10 ms are within 10 dB of the loudest; clipped: over 1% at full scale; a normal clip has none" \
	"$loud" "1 1 1"
expect_eq "blank: one flat colour" \
	"$(/usr/bin/identify -format '%[fx:standard_deviation]' "$DEMO/down/written_0.png")" 0
check "the other images are not flat" sh -c \
	"[ \"\$(/usr/bin/identify -format '%[fx:standard_deviation]' '$DEMO/down/written_1.jpg')\" != 0 ]"
expect_eq "tiny: 12x6" "$(/usr/bin/identify -format '%wx%h' "$DEMO/up/written_0.png")" 12x6
expect_eq "images are otherwise 96x48" \
	"$(cd "$DEMO" && /usr/bin/identify -format '%wx%h\n' */written_* | sort | uniq -c | tr -s ' ')" \
	"$(printf ' 1 12x6\n 17 96x48')"
check "duplicate: the same bytes under yes/" \
	cmp -s "$DEMO/yes/7fa0b813_nohash_1.wav" "$DEMO/yes/7fa0b813_nohash_0.wav"
check "label-conflict: the same bytes under go/ and no/" \
	cmp -s "$DEMO/go/356bfeb0_nohash_1.wav" "$DEMO/no/356bfeb0_nohash_0.wav"
expect_eq "no other byte-identical files" \
	"$(cd "$DEMO" && sha256sum */* | sort | uniq -w64 -D | wc -l)" 4
check "split-leak: the clip is in testing_list.txt" \
	grep -qx "left/76002819_nohash_0.wav" "$DEMO/testing_list.txt"
# The near copies: not the same bytes, but the same sound.
expect_eq "near label-conflict: 6 dB quieter than its original" \
	"$(($(peak_db left/7fa0b813_nohash_0.wav) - $(peak_db right/7fa0b813_nohash_3.wav)))" 6
hf_rms() { sox "$DEMO/$1" -n sinc 4300 stat 2>&1 | awk '/^RMS +amplitude/ { print $3 }'; }
check "near split-leak: through 8 kHz, nothing left above 4 kHz" awk \
	-v copy="$(hf_rms yes/356bfeb0_nohash_3.wav)" -v orig="$(hf_rms yes/e29357f9_nohash_0.wav)" \
	'BEGIN { exit !(copy < orig / 10) }'
check "... in testing, its original in training" sh -c \
	"grep -qx yes/356bfeb0_nohash_3.wav '$DEMO/testing_list.txt' &&
	! grep -q yes/e29357f9_nohash_0.wav '$DEMO/testing_list.txt' '$DEMO/validation_list.txt'"
check "split-leak: its speaker is in validation_list.txt" \
	grep -q "/76002819_nohash_" "$DEMO/validation_list.txt"
expect_eq "every listed path exists" \
	"$(cd "$DEMO" && cat validation_list.txt testing_list.txt | while read -r p; do [ -f "$p" ] || echo "$p"; done)" ""

# ---- predictions.csv: parses, a visible confusion, the suspects ----
got=$($PYTHON - "$DEMO" <<'EOF'
import csv, os, sys
root = sys.argv[1]
rows = list(csv.DictReader(open(root + "/predictions.csv")))
unlabeled = sorted(r["path"] for r in rows if r["path"].startswith("_unlabeled/"))
print("unlabeled rows", len(unlabeled), unlabeled == sorted("_unlabeled/" + n for n in os.listdir(root + "/_unlabeled")))
rows = [r for r in rows if not r["path"].startswith("_")]
labels = sorted(d for d in os.listdir(root) if os.path.isdir(root + "/" + d) and d[0] not in "_.")
cols = list(rows[0].keys())
assert cols == ["path", "pred"] + ["p_" + l for l in labels], cols
errors = []
for r in rows:
    p = {l: float(r["p_" + l]) for l in labels}
    if not os.path.isfile(root + "/" + r["path"]):
        errors.append("missing " + r["path"])
    if abs(sum(p.values()) - 1) > 0.01:
        errors.append("sum %s" % r["path"])
    if r["pred"] != max(labels, key=lambda l: p[l]):
        errors.append("pred is not the argmax: " + r["path"])
print("errors:", errors[:3])
label = {r["path"]: r["path"].split("/")[0] for r in rows}
cell = lambda t, q: sum(1 for r in rows if label[r["path"]] == t and r["pred"] == q)
acc = sum(label[r["path"]] == r["pred"] for r in rows) / len(rows)
print("rows %d accuracy %s off->up %d go->no %d no->go %d" % (
    len(rows), "%.1f" % acc, cell("off", "up") >= 10, cell("go", "no") >= 2, cell("no", "go") >= 2))
# Confident learning as winnow(1)'s "Suspect labels" puts it.
t = {k: sum(float(r["p_" + k]) for r in rows if label[r["path"]] == k) /
        sum(1 for r in rows if label[r["path"]] == k) for k in labels}
suspects = []
for r in rows:
    y = label[r["path"]]
    p = {l: float(r["p_" + l]) for l in labels}
    if any(p[k] >= t[k] for k in labels if k != y) and r["pred"] != y:
        suspects.append(r["path"])
print(" ".join(sorted(suspects)))
EOF
)
expect_eq "predictions.csv: a row per readable labelled sample, probabilities, confusions, suspects" "$got" \
"unlabeled rows 6 True
errors: []
rows 137 accuracy 0.7 off->up 1 go->no 1 no->go 1
go/356bfeb0_nohash_1.wav off/e29357f9_nohash_2.wav right/7fa0b813_nohash_3.wav right/fd759acc_nohash_1.wav right/written_0.png yes/ac99596f_nohash_1.wav"

# ---- epoch-N.csv: a training run, each epoch better, one class worse in the last ----
got=$($PYTHON - "$DEMO" <<'EOF'
import csv, glob, os, sys
root = sys.argv[1]
files = sorted(glob.glob(root + "/epoch-*.csv"))
acc, recall = [], []
for f in files:
    rows = list(csv.DictReader(open(f)))
    label = lambda r: r["path"].split("/")[0]
    acc.append(sum(label(r) == r["pred"] for r in rows) / len(rows))
    by = {}
    for r in rows:
        by.setdefault(label(r), []).append(r["pred"] == label(r))
    recall.append({k: sum(v) / len(v) for k, v in by.items()})
better = all(a < b for a, b in zip(acc, acc[1:]))
worse = sorted(k for k in recall[-1] if recall[-1][k] < recall[-2][k])
print(len(files), [os.path.basename(f) for f in files][0], "better each epoch" if better else acc,
      "worse in the last:", worse, "rows", len(rows))
EOF
)
expect_eq "epoch-1.csv to epoch-4.csv: accuracy rises, go's recall falls in the last" "$got" \
	"4 epoch-1.csv better each epoch worse in the last: ['go'] rows 137"

# ---- embeddings.tsv: the clips, and off's two groups ----
got=$($PYTHON - "$DEMO" <<'EOF'
import sys
import numpy as np
root = sys.argv[1]
lines = open(root + "/embeddings.tsv").read().splitlines()
head, rows = lines[0].split("\t"), [l.split("\t") for l in lines[1:]]
x = np.array([[float(v) for v in r[1:]] for r in rows])
paths = [r[0] for r in rows]
off = np.array([p.startswith("off/") for p in paths])
whisper = np.array([p.split("/")[1][:8] in ("e18d4b96", "41242a43") for p in paths])
a, b = x[off & whisper], x[off & ~whisper]
# Along the line joining the groups' centres, how many pooled standard
# deviations apart are they? (embed.h's split score; 4.5 makes a finding.)
u = (a.mean(0) - b.mean(0)) / np.linalg.norm(a.mean(0) - b.mean(0))
pa, pb = a @ u, b @ u
sd = np.sqrt((((pa - pa.mean()) ** 2).sum() + ((pb - pb.mean()) ** 2).sum()) / (len(pa) + len(pb) - 2))
print(head[0], len(head) - 1, len(rows), all(p.endswith(".wav") for p in paths), len(a), len(b),
      "apart" if (pa.mean() - pb.mean()) / sd > 6 else "together: %.1f" % ((pa.mean() - pb.mean()) / sd))
EOF
)
expect_eq "embeddings.tsv: path and 36 numbers for each readable clip; off's whispers apart" \
	"$got" "path 36 119 True 24 17 apart"

# ---- winnow check finds what winnow(1) lists, and nothing else ----
"$WINNOW" check "$DEMO" >"$TMP/findings" 2>"$TMP/err" </dev/null; st=$?
expect_eq "winnow check finds something (exit 1)" "$st" 1
got=$($PYTHON - "$top_srcdir/man/winnow.1" "$TMP/findings" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
section = text[text.index('.\\" BEGIN demo'):text.index('.\\" END demo')]
# The faults: ".It Cm CHECK", then its samples, each ".Pa PATH".
faults = section[section.index('.Bl -tag -width "label-conflict"'):]
rows = {}
for item in faults.split("\n.It Cm ")[1:]:
    check, body = item.split("\n", 1)
    rows[check] = re.findall(r"^\.Pa (\S+)", body, re.M)
found = set()
for line in open(sys.argv[2]):
    path, check = line.rstrip("\n").split("\t")[:2]
    found.add((path, check))
missing = [(paths[0] if paths else ".", c) for c, paths in rows.items()
           if (("." if c == "imbalance" else paths[0]), c) not in found]
extra = [(p, c) for p, c in sorted(found)
         if c not in rows or (p != "." and p not in rows[c])]
print("checks listed %d; not found: %s; not listed: %s" % (len(rows), missing, extra))
EOF
)
expect_eq "winnow check on the demo: winnow(1)'s findings" "$got" \
	"checks listed 16; not found: []; not listed: []"

# ---- the script makes these bytes ----
versions=$(sed -n 's/^Made with: //p' "$DEMO/README.md")
if command -v espeak-ng >/dev/null && command -v sox >/dev/null && [ -x /usr/bin/convert ]; then
	if "$PYTHON" "$top_srcdir/contrib/make-demo" "$TMP/demo" >/dev/null 2>"$TMP/err"; then
		now=$(sed -n 's/^Made with: //p' "$TMP/demo/README.md")
		if [ "$now" = "$versions" ]; then
			# The browser keeps its journal in .winnow/ (ignored by git).
			check "contrib/make-demo makes data/demo byte for byte" diff -r -x .winnow "$DEMO" "$TMP/demo"
		else
			CHECKS=$((CHECKS + 1))
			echo "ok $CHECKS - # SKIP other tool versions ($now), other bytes"
		fi
	else
		fail "contrib/make-demo runs"
		sed 's/^/#   /' "$TMP/err" | tail -5
	fi
else
	echo "# espeak-ng, sox or ImageMagick missing: make-demo not rerun"
fi

finish
