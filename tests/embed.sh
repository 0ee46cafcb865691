#!/bin/sh
# embed.sh — embeddings from end to end: a speech-style dataset whose
# embeddings (made here with numpy) plant a second group in "yes" and two
# outliers; `winnow check -e` finds exactly those, from a plain TSV and from
# TensorBoard's pair alike; bad rows are reported by line; the principal
# coordinates match numpy's; and in the browser the cluster view draws
# braille dots, its cursor selects the sample the preview then shows, and
# Enter on the split class's group fills the file pane with that group;
# its keys rebind in config.yaml and show in the help.
. "$top_srcdir/tests/lib.sh"
need sox tmux
[ -x "$PYTHON" ] && "$PYTHON" -c 'import numpy' 2>/dev/null || skip "numpy is not installed"
TEST_EMBED=$top_builddir/tests/test-embed
[ -x "$TEST_EMBED" ] || skip "tests/test-embed is not built"

D=$TMP/ds
mkdir -p "$D"
sox -n -r 16000 -c 1 -b 16 "$TMP/clip.wav" synth 1 sine 440 vol 0.3
sox -n -r 16000 -c 1 -b 16 "$TMP/short.wav" synth 0.25 sine 880 vol 0.3

# 60 clips a label in 16 dimensions; a third of "yes" 10 standard
# deviations away; one "no" and one "up" 6 class radii out (and a quarter
# of a second long, so the preview tells them apart).
"$PYTHON" - "$D" "$TMP" <<'EOF'
import numpy as np, os, shutil, sys
root, tmp = sys.argv[1], sys.argv[2]
rng = np.random.default_rng(7)
d = 16
centre = {"yes": np.zeros(d), "no": 14 * np.eye(d)[0], "up": 7 * np.eye(d)[1]}
rows, second, outliers = [], [], []
for lab in ("no", "up", "yes"):
    os.makedirs(f"{root}/{lab}")
    for i in range(60):
        path = f"{lab}/{lab}{i:02d}_nohash_0.wav"
        v = centre[lab] + rng.standard_normal(d)
        if lab == "yes" and i % 3 == 0:
            v += 10 * np.eye(d)[2]
            second.append(path)
        if lab != "yes" and i == 17:
            u = rng.standard_normal(d)
            v += 24 * u / np.linalg.norm(u)
            outliers.append(path)
        shutil.copyfile(f"{tmp}/short.wav" if path in outliers else f"{tmp}/clip.wav",
                        f"{root}/{path}")
        rows.append((path, v))
with open(f"{tmp}/embeddings.tsv", "w") as f:
    for p, v in rows:
        f.write(p + "\t" + "\t".join("%.6f" % x for x in v) + "\n")
os.makedirs(f"{tmp}/tb")
with open(f"{tmp}/tb/vectors.tsv", "w") as f:
    for p, v in rows:
        f.write("\t".join("%.6f" % x for x in v) + "\n")
with open(f"{tmp}/tb/metadata.tsv", "w") as f:
    f.write("label\tpath\n")
    for p, v in rows:
        f.write(p.split("/")[0] + "\t" + p + "\n")
open(f"{tmp}/second", "w").write("\n".join(second) + "\n")
open(f"{tmp}/outliers", "w").write("\n".join(outliers) + "\n")
EOF
[ -s "$TMP/embeddings.tsv" ] || fail "making the embeddings"

# ---- winnow check ----

cluster_findings() { grep '	cluster-' "$1" | cut -f1,2 | sort; }
{ sed 's/$/	cluster-outlier/' "$TMP/outliers"; printf 'yes/\tcluster-split\n'; } |
	sort >"$TMP/expected"

expect_status "check -e: findings exit 1" 1 "$WINNOW" check --no-cache -e "$TMP/embeddings.tsv" "$D"
cluster_findings "$TMP/out" >"$TMP/found"
if cmp -s "$TMP/found" "$TMP/expected"; then
	pass "check -e: the planted split and outliers, and nothing else"
else
	fail "check -e: cluster findings differ"
	diff "$TMP/expected" "$TMP/found" | sed 's/^/#   /'
fi
check "check -e: the split's detail gives score, threshold and groups" \
	grep -q '^yes/	cluster-split	split score [0-9.]* >= 4.5: groups of 20 and 40$' "$TMP/out"
check "check -e: an outlier's detail gives score and threshold" \
	grep -q '^no/no17_nohash_0.wav	cluster-outlier	[0-9.]* spreads from the centre of no >= 2.5; k-NN distance [0-9.]*× the dataset.s median >= 2 (k = 10)$' "$TMP/out"

# TensorBoard's pair, found by default in the dataset's folder.
cp "$TMP/tb/vectors.tsv" "$TMP/tb/metadata.tsv" "$D/"
expect_status "check: TensorBoard files by default" 1 "$WINNOW" check --no-cache "$D"
cluster_findings "$TMP/out" >"$TMP/found"
check "check: the same findings from TensorBoard's pair" cmp -s "$TMP/found" "$TMP/expected"
rm "$D/vectors.tsv" "$D/metadata.tsv"

# Thresholds move with -t.
expect_status "check -t: high thresholds" 1 "$WINNOW" check --no-cache \
	-e "$TMP/embeddings.tsv" -t outlier=100 -t split=100 -t knn-outlier=100 "$D"
check "check -t: nothing clusters past them" sh -c "! grep -q '	cluster-' '$TMP/out'"

# Bad rows: reported by line on stderr, the good rows still judged.
cp "$TMP/embeddings.tsv" "$TMP/bad.tsv"
printf 'yes/yes00_nohash_0.wav\t1\t2\t3\n' >>"$TMP/bad.tsv"      # line 181: width
sed -n 2p "$TMP/embeddings.tsv" | sed 's/	[^	]*$/	nan/' >>"$TMP/bad.tsv"  # 182
sed -n 3p "$TMP/embeddings.tsv" | sed 's|^no/|nope/|' >>"$TMP/bad.tsv"     # 183
expect_status "bad rows: still findings" 1 "$WINNOW" check --no-cache -e "$TMP/bad.tsv" "$D"
check "bad rows: width reported by line" grep -q 'bad.tsv: line 181: 3 values, 16 expected' "$TMP/err"
check "bad rows: NaN reported by line" grep -q 'bad.tsv: line 182: value 16 is not finite: nan' "$TMP/err"
check "bad rows: unknown path reported" grep -q 'bad.tsv: line 183: nope/no02_nohash_0.wav is not a sample' "$TMP/err"
check "bad rows: counted" grep -q 'bad.tsv: 3 of 183 rows skipped' "$TMP/err"
cluster_findings "$TMP/out" >"$TMP/found"
check "bad rows: the findings of the good rows" cmp -s "$TMP/found" "$TMP/expected"

expect_status "a missing file: exit 2" 2 "$WINNOW" check --no-cache -e "$TMP/nope.tsv" "$D"
check "a missing file: named" grep -q 'nope.tsv: No such file' "$TMP/err"
: >"$TMP/empty.tsv"
expect_status "an empty file: exit 2" 2 "$WINNOW" check --no-cache -e "$TMP/empty.tsv" "$D"

# LAPACK is loaded when the analysis needs it: without it, the analysis
# fails with the loader's reason, and the other commands never notice.
mkdir -p "$TMP/nolapack"
: >"$TMP/nolapack/liblapack.so.3"
: >"$TMP/nolapack/liblapack.so"
LD_LIBRARY_PATH=$TMP/nolapack expect_status "no LAPACK: exit 2" 2 \
	"$WINNOW" check --no-cache -e "$TMP/embeddings.tsv" "$D"
check "no LAPACK: the loader's reason" grep -q 'cannot load LAPACK (liblapack.so.3): .*nolapack/liblapack.so.3: file too short' "$TMP/err"
LD_LIBRARY_PATH=$TMP/nolapack expect_status "no LAPACK: stats still runs" 0 "$WINNOW" stats "$D"

# ---- principal coordinates against numpy ----

"$TEST_EMBED" --project "$TMP/embeddings.tsv" "$D" >"$TMP/proj.tsv" 2>"$TMP/err" ||
	fail "test-embed --project"
if "$PYTHON" - "$TMP/embeddings.tsv" "$TMP/proj.tsv" >"$TMP/pca.log" 2>&1 <<'EOF'
import numpy as np, sys
paths, rows = [], []
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    paths.append(f[0]); rows.append([float(x) for x in f[1:]])
X = np.array(rows)
X -= X.mean(axis=0)
w, V = np.linalg.eigh(X.T @ X / (len(X) - 1))
ref = dict(zip(paths, X @ V[:, ::-1][:, :3]))
ours = {}
for line in open(sys.argv[2]):
    f = line.rstrip("\n").split("\t")
    ours[f[0]] = np.array([float(x) for x in f[1:]])
assert ours.keys() == ref.keys(), "different rows"
P = np.array([ours[p] for p in paths]); R = np.array([ref[p] for p in paths])
for c in range(3):
    s = np.sign(P[:, c] @ R[:, c])
    err = np.abs(P[:, c] - s * R[:, c]).max() / np.abs(R[:, c]).max()
    print("component %d: relative error %.2g" % (c + 1, err))
    assert err < 1e-4, "component %d differs" % (c + 1)
EOF
then pass "principal coordinates match numpy's up to sign"
else fail "principal coordinates differ from numpy's"; sed 's/^/#   /' "$TMP/pca.log"
fi

# ---- the browser ----

tmux_start 120 40 "$WINNOW" -e "$TMP/embeddings.tsv" "$D"
check "browser: starts" screen_wait "files (180)"
tmux_keys c
check "browser: the cluster view" screen_wait "clusters (all · 180 points"
check "browser: the load logged" wait_for grep -q 'embeddings.tsv: 180 rows of 16 values, 0 bad' \
	"$XDG_STATE_HOME/winnow/winnow.log"
split_first() { screen | grep -A1 'split score' | tail -1 | grep -q '■ yes  *10\.[0-9]'; }
check "browser: the split class ranks first" wait_for split_first
braille() { screen | sed -n "$1" | grep -qP '[\x{2801}-\x{28ff}]'; }
check "browser: braille dots drawn" wait_for braille '26,38p'
tmux_keys Tab Tab o
check "browser: o goes to the first outlier" screen_wait "no17_nohash_0.wav  no · outlier"
check "browser: the preview follows (its quarter second)" screen_wait "0.25 s 16 kHz"
check "browser: the file pane follows" screen_wait "18/180"
tmux_keys o
check "browser: o again, the next outlier" screen_wait "up17_nohash_0.wav  up · outlier"
tmux_keys l
check "browser: moving off it" screen_gone "up17_nohash_0.wav  up · outlier"
check "browser: the preview follows a move" screen_wait "1.00 s 16 kHz"
tmux_keys +
check "browser: zoom" screen_wait "zoom ×2"
tmux_keys 0 ]
check "browser: ] shows the most split class" screen_wait "clusters (yes · 60 points · split"
# G: the number of the group of 20.
group_of_20() { G=$(screen | sed -n 's/.*group \([12]\)  *20│.*/\1/p'); [ -n "$G" ]; }
wait_for group_of_20
check "browser: its two groups, of 20 and 40" sh -c "[ -n '$G' ] &&
	tmux -L '$TMUX_SOCKET' capture-pane -p -t t: | grep -q 'group $((3 - ${G:-1}))  *40│'"
# A point of the 20 under the cursor: the cursor follows the file pane's
# selection, here to a planted sample.
first=$(head -1 "$TMP/second")
select_clip "browser: the file pane selects $first" "$D" "$first" 180
tmux_keys Tab Tab
under_cursor() { screen | grep -q "^│$first  yes · outlier [0-9.]* · group $G "; }
check "browser: the cursor follows to it, in group $G" wait_for under_cursor
tmux_keys Enter
check "browser: Enter shows the group in the file pane" screen_wait "20 of 180 · filter: yes group $G of 2"
screen_settled | sed -n '2,24p' | grep -o 'yes/yes[0-9]*_nohash_0.wav' | sort >"$TMP/shown"
check "browser: exactly the planted group" cmp -s "$TMP/shown" "$TMP/second"
tmux_keys Escape
check "browser: Esc drops the filter" screen_wait "files (180)"
tmux_keys s s s s s
check "browser: the file pane sorts by outlier score" screen_wait "sorted by outlier"
tmux_keys g
screen_wait "1/180" >/dev/null
farthest_first() { screen | sed -n '2,3p' | grep -c '[nu][op]17_nohash_0.wav .*outlier' | grep -qx 2; }
check "browser: the farthest first" wait_for farthest_first
tmux_keys q
expect_exit "browser: quits, status 0" 0
tmux_stop

# The cluster pane's keys are commands: config.yaml moves them, the help
# lists them, and the pane's hint line shows them as bound.
mkdir -p "$XDG_CONFIG_HOME/winnow"
cat >"$XDG_CONFIG_HOME/winnow/config.yaml" <<'EOF'
keys:
  next-outlier: x
EOF
tmux_start 120 40 "$WINNOW" -e "$TMP/embeddings.tsv" "$D"
check "rebound: starts" screen_wait "files (180)"
tmux_keys c
check "rebound: the cluster view" screen_wait "clusters (all · 180 points"
check "rebound: the hint line shows x for outliers" screen_wait "x outlier · Enter class"
tmux_keys Tab Tab x
check "rebound: x goes to the first outlier" screen_wait "no17_nohash_0.wav  no · outlier"
# o, no longer bound, must not move: x after it then goes to the second
# outlier (had o moved there, x would wrap back to the first).
tmux_keys o x
check "rebound: o does nothing, x the next outlier" screen_wait "up17_nohash_0.wav  up · outlier"
tmux_keys '?' G
check "rebound: the help is open" screen_wait " keys "
help_end() { screen | sed 's/  */ /g' | grep -qF ' q quit quit '; }
check "rebound: G shows the end of the help" wait_for help_end
help=$(screen_settled | sed 's/  */ /g')
missing=
for row in "x next-outlier" "+ = zoom-in" "- zoom-out" "0 zoom-reset" "] next-class" "[ prev-class"; do
	echo "$help" | grep -qF " $row " || missing="$missing [$row]"
done
expect_eq "rebound: the cluster commands are in the help, as bound" "$missing" ""
tmux_keys Escape q
expect_exit "rebound: quits, status 0" 0
tmux_stop
rm -f "$XDG_CONFIG_HOME/winnow/config.yaml"

# Without UTF-8: density characters for the dots, ASCII for the rest.
tmux_start 100 30 env LC_ALL=C "$WINNOW" -e "$TMP/embeddings.tsv" "$D"
check "ASCII: starts" screen_wait "files (180)"
tmux_keys c
check "ASCII: the cluster view" screen_wait "split score (>= 4.5)"
ascii_dots() { screen | sed -n '18,27p' | cut -c2-70 | grep -q '[.:+#]'; }
check "ASCII: dots as . : + #" wait_for ascii_dots
check "ASCII: no braille" sh -c "! tmux -L '$TMUX_SOCKET' capture-pane -p -t t: |
	grep -qP '[\\x{2801}-\\x{28ff}]'"
tmux_keys q
expect_exit "ASCII: quits, status 0" 0
tmux_stop

finish
