#!/bin/sh
# journal.sh — the journal under SIGKILL: the real browser flags samples as
# fast as keys come and is killed at a random moment, again and again; every
# decision that was on the screen is in the journal when it is read back.
# Then `winnow merge` (disagreements, agreement per reviewer), `winnow
# export` (rogues, manifest, touching nothing), a copied dataset's own
# journal, a `*` batch cut short at several points (none of it stands), and
# a browser given another dataset's journal or a garbage one.
. "${top_srcdir:-.}/tests/lib.sh"
need tmux sox

ds=$TMP/ds
mkdir -p "$ds/yes" "$ds/no" "$ds/up"
i=0
while [ $i -lt 40 ]; do
	n=$(printf '%02d' $i)
	sox -q -n -r 16000 -c 1 -b 16 "$ds/yes/y$n.wav" synth 0.2 sine $((200 + i * 10))
	i=$((i + 1))
done
sox -q -n -r 16000 -c 1 -b 16 "$ds/no/n00.wav" synth 0.2 sine 150
sox -q -n -r 16000 -c 1 -b 16 "$ds/up/u00.wav" synth 0.2 sine 160
J=$ds/.winnow/journal.yaml

# flagged FILE: the paths whose row shows F in a screen capture.
flagged() { awk -F'│' '$2 ~ /^ F / {n = split($2, w, " "); print w[n]}' "$1"; }

# ---- SIGKILL while deciding ----
rounds=8 lost=0 seen_total=0 r=0 killed_otherwise=0
while [ $r -lt $rounds ]; do
	tmux_stop
	tmux_start 160 60 "$WINNOW" "$ds"
	if ! screen_wait " decision" >/dev/null 2>&1; then
		fail "round $r: the browser did not load its journal"
		r=$((r + 1))
		continue
	fi
	# Rows of this round: move past the earlier rounds' rows, then flag
	# five in a row as fast as tmux types.
	keys="g"
	k=0
	while [ $k -lt $((r * 5 + 3)) ]; do keys="$keys j"; k=$((k + 1)); done
	# shellcheck disable=SC2086
	tmux_keys $keys f j f j f j f j f
	sleep "0.$(( $(od -An -N1 -tu1 /dev/urandom) % 4 ))"
	screen >"$TMP/screen.$r"
	# The browser itself, not the shell tmux_start wraps it in: killed
	# there, the browser would only see a hang-up and close cleanly.
	pid=$(program_pid)
	if [ -z "$pid" ]; then
		fail "round $r: no browser process to kill"
		r=$((r + 1))
		continue
	fi
	kill -9 "$pid"
	wait_exit && [ "$(exit_status)" = 137 ] || killed_otherwise=$((killed_otherwise + 1))
	flagged "$TMP/screen.$r" | sort >"$TMP/shown.$r"
	"$WINNOW" export --rogues "$J" >"$TMP/rogues.$r" 2>"$TMP/rogues-err.$r"
	missing=$(comm -23 "$TMP/shown.$r" "$TMP/rogues.$r")
	if [ -n "$missing" ]; then
		lost=$((lost + 1))
		echo "# round $r: shown as flagged but not in the journal: $missing"
	fi
	seen_total=$((seen_total + $(wc -l <"$TMP/shown.$r")))
	r=$((r + 1))
done
expect_eq "the browser died of SIGKILL each round" "$killed_otherwise" 0
expect_eq "SIGKILL $rounds times while deciding: nothing shown as made is lost" "$lost" 0
check "decisions were shown before the kills ($seen_total)" test "$seen_total" -gt 0
torn=$(grep -l 'incomplete' "$TMP"/rogues-err.* 2>/dev/null | wc -l)
echo "# rounds that left a torn tail: $torn"
tmux_stop
tmux_start 160 60 "$WINNOW" "$ds"
n=$("$WINNOW" export --rogues "$J" | wc -l)
check "reopened: the status line counts every flag in the journal ($n)" \
	screen_wait "$n decision$( [ "$n" -eq 1 ] || echo s) (F$n)"
tmux_keys q
wait_exit
tmux_stop

# ---- a copied dataset: its journal is the copy's ----
cp -a "$ds" "$TMP/dscopy"
n=$("$WINNOW" export --rogues "$J" | wc -l)
tmux_start 160 60 "$WINNOW" "$TMP/dscopy"
check "a copy's own journal is taken, whatever its header names ($n flags)" \
	screen_wait "$n decision$( [ "$n" -eq 1 ] || echo s) (F$n)"
check "and not refused" not_on_screen "journal refused"
tmux_keys q
wait_exit
tmux_stop
tmux_start 120 30 "$WINNOW" -j "$J" "$TMP/dscopy"
check "the original's journal while browsing the copy: refused" \
	screen_wait "this journal is about the dataset"
tmux_keys q
wait_exit
tmux_stop

# ---- a * batch cut short: none of it stands ----
bs=$TMP/bs
mkdir -p "$bs"
cp -R "$ds/yes" "$ds/no" "$bs/"
BJ=$bs/.winnow/journal.yaml
tmux_start 160 60 "$WINNOW" "$bs"
screen_wait "0 decisions" >/dev/null
tmux_keys '*'
screen_wait "relabel 41 shown to:" >/dev/null
tmux_keys -l no
tmux_keys Enter
check "*: asked" screen_wait "relabel 40 of 41 shown samples to no (1 already no)? (y/n)"
tmux_keys y
check "*: 40 relabelled" screen_wait "40 decisions (R40)"
tmux_keys q
wait_exit
tmux_stop
cp "$BJ" "$TMP/batch.yaml"
size=$(wc -c <"$BJ")
# The batch starts after the header's "...", its marker after the last
# member's.
start=$(awk '{n += length($0) + 1} /^\.\.\.$/ {print n; exit}' "$BJ")
marker=$(($(grep -b '^op: batch-end$' "$BJ" | cut -d: -f1) - 4))
check "the batch ends with its marker" grep -qx 'count: 40' "$BJ"
standing=0 cuts=0
for cut in $((start + 1)) $((start + 200)) $(((start + size) / 2)) $((marker - 1)) \
	"$marker" $((marker + 10)) $((size - 4)) $((size - 1)); do
	head -c "$cut" "$TMP/batch.yaml" >"$BJ"
	"$WINNOW" export --manifest "$BJ" >"$TMP/cut.csv" 2>"$TMP/cut.err"
	k=$(grep -c '^yes/.*,no$' "$TMP/cut.csv")
	if [ "$k" -ne 0 ] || ! grep -q 'incomplete' "$TMP/cut.err"; then
		echo "# cut at $cut of $size: $k relabels stand; $(cat "$TMP/cut.err")"
		standing=$((standing + 1))
	fi
	cuts=$((cuts + 1))
done
expect_eq "cut at $cuts points inside the batch: no member stands, the cut is reported" "$standing" 0
head -c "$marker" "$TMP/batch.yaml" >"$BJ"
tmux_start 160 60 "$WINNOW" "$bs"
check "reopened after a cut before the marker: the batch is said to be dropped" \
	screen_wait "the last batch is incomplete"
tmux_keys s     # a short message in place of the long one
check "and none of it stands" screen_wait "0 decisions"
tmux_keys q
wait_exit
tmux_stop
expect_eq "the journal is cut back to its header" "$(wc -c <"$BJ")" "$start"
check "the batch's bytes are kept aside" sh -c "tail -c +$((start + 1)) '$TMP/batch.yaml' | head -c $((marker - start)) | cmp -s - '$BJ.torn'"
cp "$TMP/batch.yaml" "$BJ"
expect_status "whole: the batch exports" 0 "$WINNOW" export --manifest "$BJ"
expect_eq "whole: every member stands" "$(grep -c '^yes/.*,no$' "$TMP/out")" 40
expect_status "whole: merge takes a journal with a batch" 0 "$WINNOW" merge -o "$TMP/bmerged.yaml" "$BJ"
check "merged: no batch and no marker carried over" sh -c "! grep -q 'batch' '$TMP/bmerged.yaml'"
expect_status "merged: read back" 0 "$WINNOW" export --manifest "$TMP/bmerged.yaml"
expect_eq "merged: every relabel stands" "$(grep -c '^yes/.*,no$' "$TMP/out")" 40

# ---- merge ----
sha() { sha256sum <"$ds/$1" | cut -d' ' -f1; }
head() { printf -- '---\nwinnow-journal: 1\ndataset: "%s"\nlayout: folders\n...\n' "$1"; }
entry() {
	printf -- '---\nid: %s\nop: %s\npath: "%s"\nlabel: "%s"\n' "$1" "$2" "$3" "$4"
	[ -n "${5:-}" ] && printf 'to: "%s"\n' "$5"
	printf 'sha256: %s\nat: 2026-11-27T21:0%s:00Z\nby: "%s"\n...\n' "$(sha "$3")" "$1" "$who"
}
who=alice
{
	head "$ds"
	entry 1 relabel yes/y01.wav yes no
	entry 2 relabel yes/y02.wav yes no
	entry 3 delete yes/y03.wav yes
	entry 4 accept yes/y04.wav yes
	entry 5 delete yes/y05.wav yes
	printf -- '---\nid: 6\nop: note\npath: "yes/y05.wav"\nnote: "a cough"\nby: "alice"\n...\n'
} >"$TMP/alice.yaml"
who=bob
{
	head "$ds"
	entry 1 relabel yes/y01.wav yes no
	entry 2 relabel yes/y02.wav yes up
	entry 3 accept yes/y03.wav yes
	entry 4 flag yes/y04.wav yes
	entry 5 delete yes/y06.wav yes
	printf -- '---\nid: 6\nop: undo\ntarget: 5\n...\n'
} >"$TMP/bob.yaml"
expect_status "merge with disagreements: exit 1" 1 "$WINNOW" merge -o "$TMP/merged.yaml" "$TMP/alice.yaml" "$TMP/bob.yaml"
check "two disagreements" contains "$TMP/err" "2 disagreements"
check "relabelled differently" contains "$TMP/err" "yes/y02.wav: relabel to no ($TMP/alice.yaml: alice) · relabel to up ($TMP/bob.yaml: bob)"
check "deleted by one, accepted by the other" contains "$TMP/err" "yes/y03.wav: delete ($TMP/alice.yaml: alice) · accept ($TMP/bob.yaml: bob)"
check "accept and flag agree (both keep)" sh -c "! grep -q 'y04' '$TMP/err'"
expect_eq "alice: 5 decided, 4 shared with bob, 2 agreed" "$(grep "^$TMP/alice.yaml " "$TMP/err" | tr -s ' ')" "$TMP/alice.yaml 5 4 2 50.0%"
expect_eq "bob: an undone decision does not count" "$(grep "^$TMP/bob.yaml " "$TMP/err" | tr -s ' ')" "$TMP/bob.yaml 4 4 2 50.0%"
expect_status "the merged journal applies (dry run)" 0 "$WINNOW" apply --dry-run "$TMP/merged.yaml"
check "merged: the agreed relabel" contains "$TMP/out" "move yes/y01.wav -> no/y01.wav"
check "merged: one reviewer's delete" contains "$TMP/out" "trash yes/y05.wav"
check "merged: no disagreement is applied" sh -c "! grep -q 'y02\|y03' '$TMP/out'"
check "merged: bob's undone delete stays undone" sh -c "! grep -q 'y06' '$TMP/out'"
expect_eq "merged: the flag stands over the accept" "$("$WINNOW" export --rogues "$TMP/merged.yaml")" "yes/y04.wav"
check "merged: a note marks each disagreement" grep -q 'note: "reviewers disagree: relabel to no' "$TMP/merged.yaml"
check "merged: notes are kept" grep -q 'note: "a cough"' "$TMP/merged.yaml"
check "merged: who decided is kept" grep -q 'by: "bob"' "$TMP/merged.yaml"
expect_status "merge to standard output, one reviewer twice: no disagreement" 0 "$WINNOW" merge "$TMP/alice.yaml" "$TMP/alice.yaml"
check "the journal on stdout" grep -q '^winnow-journal: 2$' "$TMP/out"
check "agreement 100%" contains "$TMP/err" "100.0%"
other=$TMP/other
mkdir -p "$other/yes"
{ head "$other"; } >"$TMP/other.yaml"
expect_status "journals of two datasets: refused" 2 "$WINNOW" merge "$TMP/alice.yaml" "$TMP/other.yaml"
check "saying which" contains "$TMP/err" "other.yaml:3: about the dataset $other"
expect_status "merge: no journal" 2 "$WINNOW" merge

# ---- export ----
(cd "$ds" && find . | sort) >"$TMP/tree-before"
expect_status "export --manifest" 0 "$WINNOW" export --manifest "$TMP/alice.yaml"
check "header" sh -c "head -1 '$TMP/out' | grep -qx 'path,label'"
check "relabelled" grep -qx 'yes/y01.wav,no' "$TMP/out"
check "deleted: left out" sh -c "! grep -q 'y05' '$TMP/out'"
check "the rest as it was" grep -qx 'no/n00.wav,no' "$TMP/out"
expect_eq "every other sample listed (42, 2 deleted, and the header)" "$(wc -l <"$TMP/out")" 41
(cd "$ds" && find . | sort) >"$TMP/tree-after"
check "export touches no file" cmp -s "$TMP/tree-before" "$TMP/tree-after"
expect_status "export --manifest -o FILE" 0 "$WINNOW" export --manifest -o "$TMP/clean.csv" "$TMP/alice.yaml"
cp "$TMP/clean.csv" "$ds/clean.csv"
expect_status "the exported manifest is a dataset winnow opens" 0 "$WINNOW" stats --format tsv "$ds/clean.csv"
check "with the relabels in it" grep -q "^no	3	" "$TMP/out"
rm "$ds/clean.csv"
expect_status "export --rogues" 0 "$WINNOW" export --rogues "$TMP/bob.yaml"
expect_eq "rogues: the flagged paths" "$(cat "$TMP/out")" "yes/y04.wav"
cp "$TMP/bob.yaml" "$TMP/torn.yaml"
printf -- '---\nid: 7\nop: flag\npath: "yes/y0' >>"$TMP/torn.yaml"
expect_status "a torn journal still exports" 0 "$WINNOW" export --rogues "$TMP/torn.yaml"
check "and says so" contains "$TMP/err" "torn.yaml:61: the last entry is incomplete"
expect_status "export: neither --rogues nor --manifest" 2 "$WINNOW" export "$TMP/bob.yaml"
expect_status "export: both" 2 "$WINNOW" export --rogues --manifest "$TMP/bob.yaml"
printf 'winnow-journal: 1\ndataset: x\n---\nid: [\n...\n---\nid: 2\n' >"$TMP/garbage.yaml"
cp "$TMP/garbage.yaml" "$TMP/garbage.orig"
cp "$TMP/other.yaml" "$TMP/other.orig"
expect_status "export: a garbage journal" 2 "$WINNOW" export --rogues "$TMP/garbage.yaml"
check "names the file and line" contains "$TMP/err" "garbage.yaml:4:"

# ---- the browser given a journal it cannot use ----
tmux_start 120 30 "$WINNOW" -j "$TMP/other.yaml" "$ds"
check "another dataset's journal: refused, said on the status line" screen_wait "this journal is about the dataset"
tmux_keys d
check "no decision is made with it" screen_wait "decisions off:"
tmux_keys q
wait_exit
tmux_stop
tmux_start 120 30 "$WINNOW" -j "$TMP/garbage.yaml" "$ds"
check "a garbage journal: the line of the fault" screen_wait "garbage.yaml:4:"
tmux_keys q
wait_exit
check "neither journal was changed" sh -c "cmp -s '$TMP/other.yaml' '$TMP/other.orig' && cmp -s '$TMP/garbage.yaml' '$TMP/garbage.orig'"

# ---- the demo ships no journal ----
# A source tree whose demo was browsed has a .winnow naming that tree: the
# install and the tarball carry the demo without it. The rules run on a
# copy of such a demo (-o Makefile: make does not remake itself for the
# other srcdir).
mkdir -p "$TMP/src/data/demo/yes" "$TMP/src/data/demo/.winnow" "$TMP/dist/data/demo/.winnow"
cp "$ds/yes/y00.wav" "$TMP/src/data/demo/yes/"
cp "$TMP/alice.yaml" "$TMP/src/data/demo/.winnow/journal.yaml"
cp "$TMP/alice.yaml" "$TMP/dist/data/demo/.winnow/journal.yaml"
if ${MAKE:-make} -s -C "$top_builddir" -o Makefile install-data-local srcdir="$TMP/src" \
	DESTDIR="$TMP/inst" >"$TMP/make.out" 2>&1; then
	check "make install: the demo's files" sh -c "find '$TMP/inst' -path '*/winnow/demo/yes/y00.wav' | grep -q ."
	check "make install: no .winnow with the demo" sh -c "! find '$TMP/inst' -name .winnow | grep -q ."
else
	fail "make install-data-local runs: $(cat "$TMP/make.out")"
fi
if ${MAKE:-make} -s -C "$top_builddir" -o Makefile dist-hook distdir="$TMP/dist" \
	>"$TMP/make.out" 2>&1; then
	check "make dist: no .winnow with the demo" test ! -e "$TMP/dist/data/demo/.winnow"
else
	fail "make dist-hook runs: $(cat "$TMP/make.out")"
fi
finish
