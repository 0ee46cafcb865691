#!/bin/sh
# apply.sh — `winnow apply` on real trees: a Speech Commands layout with a
# name collision, split lists, a new label folder and the trash; the whole
# tree hashed before apply and after undo (names, bytes, modes, mtimes);
# dry run, a second apply, conflicts (changed, missing, the same content at
# the target), hostile paths (.., absolute, links out of ROOT, a target
# folder that is a link), a manifest (escaped names too), --trash and the
# config file's trash, the journal's lock, and a copied dataset's journal,
# which acts on the copy; a changed file found only just before its rename
# (a failed step that undo leaves be), and kill -9 at moments of its own.
. "$top_srcdir/tests/lib.sh"
need sox sha256sum flock

# tree DIR: every name under DIR but .winnow, with its type, mode, mtime,
# size and sha256 (links: their target), one a line, sorted.
tree() {
	(cd "$1" && find . -path ./.winnow -prune -o -print | LC_ALL=C sort | while IFS= read -r f; do
		if [ -L "$f" ]; then
			printf '%s link %s\n' "$f" "$(readlink "$f")"
		elif [ -d "$f" ]; then
			printf '%s dir %s\n' "$f" "$(stat -c %a "$f")"
		else
			printf '%s file %s %s %s %s\n' "$f" "$(stat -c '%a %Y %s' "$f")" \
				"$(sha256sum <"$f" | cut -d' ' -f1)"
		fi
	done)
}

sha() { sha256sum <"$1" | cut -d' ' -f1; }

# journal DATASET >FILE, then entries: entry ID OP PATH LABEL [TO]
journal_head() {
	printf -- '---\nwinnow-journal: 1\ndataset: "%s"\nlayout: %s\n' "$1" "${2:-folders}"
	[ -n "${3:-}" ] && printf 'manifest: "%s"\n' "$3"
	printf -- '...\n'
}
entry() {
	id=$1 op=$2 path=$3 label=$4 to=${5:-}
	printf -- '---\nid: %s\nop: %s\npath: "%s"\nlabel: "%s"\n' "$id" "$op" "$path" "$label"
	[ -n "$to" ] && printf 'to: "%s"\n' "$to"
	printf 'sha256: %s\nat: 2026-11-27T21:03:11Z\nby: "tester"\n...\n' "$(sha "$D/$path")"
}

clip() { sox -q -n -r 16000 -c 1 -b 16 "$1" synth "$2" sine "$3" vol 0.3; }

# ---- a Speech Commands tree ----
D=$TMP/speech
mkdir -p "$D/yes" "$D/no" "$D/up" "$D/_background_noise_"
clip "$D/yes/0a7c2a8d_nohash_0.wav" 1 440
clip "$D/no/0a7c2a8d_nohash_0.wav" 1 220     # the same speaker said "no"
clip "$D/no/0a7c2a8d_nohash_1.wav" 1 230     # twice: _nohash_2 is the next free
clip "$D/yes/0b1c0000_nohash_0.wav" 1 500
clip "$D/yes/0c9e0000_nohash_0.wav" 1 600
clip "$D/up/0d000000_nohash_0.wav" 1 700
clip "$D/up/0e000000_nohash_0.wav" 1 800
clip "$D/_background_noise_/white.wav" 2 100
chmod 640 "$D/yes/0c9e0000_nohash_0.wav"
printf 'yes/0a7c2a8d_nohash_0.wav\nup/0d000000_nohash_0.wav\n' >"$D/testing_list.txt"
printf 'yes/0c9e0000_nohash_0.wav\r\n' >"$D/validation_list.txt"
J=$TMP/journal.yaml
{
	journal_head "$D"
	entry 1 relabel yes/0a7c2a8d_nohash_0.wav yes no
	entry 2 delete yes/0b1c0000_nohash_0.wav yes
	entry 3 relabel up/0d000000_nohash_0.wav up left
	entry 4 accept yes/0c9e0000_nohash_0.wav yes
	entry 5 flag up/0e000000_nohash_0.wav up
	entry 6 relabel yes/0c9e0000_nohash_0.wav yes up
} >"$J"
tree "$D" >"$TMP/before"

expect_status "dry run" 0 "$WINNOW" apply --dry-run "$J"
cp "$TMP/out" "$TMP/plan"
tree "$D" >"$TMP/after-dry"
check "dry run changes nothing" cmp -s "$TMP/before" "$TMP/after-dry"
check "dry run: no record" test ! -e "$D/.winnow/applied"
check "plan: the taken name bumps _nohash_N past every taken one" contains "$TMP/plan" \
	"move yes/0a7c2a8d_nohash_0.wav -> no/0a7c2a8d_nohash_2.wav (no/0a7c2a8d_nohash_0.wav is taken)"
check "plan: a new label's folder is made" contains "$TMP/plan" "mkdir left"
check "plan: relabel into it" contains "$TMP/plan" "move up/0d000000_nohash_0.wav -> left/0d000000_nohash_0.wav"
check "plan: the later decision on a sample stands (relabel after accept)" contains "$TMP/plan" \
	"move yes/0c9e0000_nohash_0.wav -> up/0c9e0000_nohash_0.wav"
check "plan: delete goes to the trash" sh -c "grep -q '^trash yes/0b1c0000_nohash_0.wav -> $D/.winnow/trash/[0-9T]*\\.[0-9]*Z-[0-9][0-9]/yes/0b1c0000_nohash_0.wav\$' '$TMP/plan'"
check "plan: split lists follow" contains "$TMP/plan" "rewrite testing_list.txt (the old one kept as testing_list.txt.before-"
check "plan: both lists" contains "$TMP/plan" "rewrite validation_list.txt"
check "plan: summary" contains "$TMP/plan" "would move 3, trash 1, rewrite 2 files; 0 already applied, 1 accepted or flagged (nothing to do); 0 conflicts"

expect_status "apply" 0 "$WINNOW" apply "$J"
cp "$TMP/out" "$TMP/applied"
record=$(sed -n 's/^record: //p' "$TMP/applied")
check "apply prints its record" test -f "$record"
case $record in "$D/.winnow/applied/"*Z-[0-9][0-9].yaml) pass "the record is in .winnow/applied" ;;
	*) fail "the record is in .winnow/applied ($record)" ;; esac
check "moved past the taken names" test -f "$D/no/0a7c2a8d_nohash_2.wav"
expect_eq "its bytes" "$(sha "$D/no/0a7c2a8d_nohash_2.wav")" "$(grep '^./yes/0a7c2a8d_nohash_0.wav ' "$TMP/before" | cut -d' ' -f6)"
check "the taken names keep their own files" test "$(sha "$D/no/0a7c2a8d_nohash_0.wav")" != "$(sha "$D/no/0a7c2a8d_nohash_2.wav")"
check "the source is gone" test ! -e "$D/yes/0a7c2a8d_nohash_0.wav"
check "new label folder" test -f "$D/left/0d000000_nohash_0.wav"
check "relabel keeps the file's mode" sh -c "[ \"\$(stat -c %a '$D/up/0c9e0000_nohash_0.wav')\" = 640 ]"
check "delete: in the trash, path kept" sh -c "ls '$D'/.winnow/trash/*/yes/0b1c0000_nohash_0.wav >/dev/null"
check "delete: gone from the dataset" test ! -e "$D/yes/0b1c0000_nohash_0.wav"
check "flagged and accepted files stay" test -f "$D/up/0e000000_nohash_0.wav"
expect_eq "testing_list.txt follows the moves" "$(cat "$D/testing_list.txt")" \
	"$(printf 'no/0a7c2a8d_nohash_2.wav\nleft/0d000000_nohash_0.wav')"
expect_eq "validation_list.txt keeps its CRLF" "$(od -c "$D/validation_list.txt" | head -1)" \
	"$(printf 'up/0c9e0000_nohash_0.wav\r\n' | od -c | head -1)"
cp "$D/testing_list.txt" "$TMP/testing-applied"
check "the old list is kept beside, as it was" sh -c "grep -q '^yes/0a7c2a8d_nohash_0.wav\$' '$D'/testing_list.txt.before-*"
check "the record says a name was taken" grep -q 'renamed: "no/0a7c2a8d_nohash_0.wav is taken"' "$record"
check "the record is fsync'd YAML with a done document" grep -q '^done: ' "$record"
# What the dry run said is what happened.
grep '^move ' "$TMP/plan" | sed 's/^move \(.*\) -> \([^ ]*\).*/\1 \2/' | while read -r from to; do
	[ ! -e "$D/$from" ] && [ -e "$D/$to" ] || echo "$from $to"
done >"$TMP/plan-misses"
check "every move of the dry run happened" test ! -s "$TMP/plan-misses"
# winnow indexes the applied tree as the journal said.
"$WINNOW" stats --format tsv "$D" >"$TMP/stats"
expect_eq "the applied tree: counts per label" "$(cut -f1,2 "$TMP/stats" | tr '\t\n' ': ')" \
	"label:count left:1 no:3 up:2 yes:0 "

tree "$D" >"$TMP/applied-tree"
expect_status "a second apply" 0 "$WINNOW" apply "$J"
tree "$D" >"$TMP/applied-twice"
check "the tree is the same after the second apply" cmp -s "$TMP/applied-tree" "$TMP/applied-twice"
check "it says everything was applied already" contains "$TMP/out" "moved 0, trashed 0, rewrote 0 files; 4 already applied"
check "and writes no record" sh -c "[ \$(ls '$D/.winnow/applied' | wc -l) -eq 1 ]"

expect_status "undo: dry run" 0 "$WINNOW" apply --dry-run --undo "$record"
check "undo dry run: the moves back" contains "$TMP/out" "move back no/0a7c2a8d_nohash_2.wav -> yes/0a7c2a8d_nohash_0.wav"
tree "$D" >"$TMP/undo-dry"
check "undo dry run changes nothing" cmp -s "$TMP/applied-tree" "$TMP/undo-dry"
expect_status "undo" 0 "$WINNOW" apply --undo "$record"
tree "$D" >"$TMP/after-undo"
if cmp -s "$TMP/before" "$TMP/after-undo"; then
	pass "undo restores the tree byte for byte (names, bytes, modes, mtimes)"
else
	fail "undo restores the tree byte for byte"; diff "$TMP/before" "$TMP/after-undo" | sed 's/^/#   /'
fi
check "undo removes the trash folder it left empty" sh -c "[ -z \"\$(ls '$D/.winnow/trash')\" ]"
check "the record is marked undone" grep -q '^undone: ' "$record"
expect_status "undo twice does nothing" 0 "$WINNOW" apply --undo "$record"
check "it says so" contains "$TMP/out" "undone already"
# Applying again after an undo works again, and undoes again.
expect_status "apply after undo" 0 "$WINNOW" apply "$J"
record2=$(sed -n 's/^record: //p' "$TMP/out")
check "a new record" sh -c "[ '$record2' != '$record' ] && [ -f '$record2' ]"
expect_status "and its undo" 0 "$WINNOW" apply --undo "$record2"
tree "$D" >"$TMP/after-undo2"
check "the tree is the original again" cmp -s "$TMP/before" "$TMP/after-undo2"

# ---- the journal's lock: no apply while a browser holds the journal ----
# The holder says when it has the lock (held), then waits on a FIFO until
# the test is done with it: no sleep to outlast, however slow the machine.
# The test keeps the FIFO open for writing too, so neither side can block
# on it if the other is gone.
mkfifo "$TMP/release"
exec 3<>"$TMP/release"
flock -n "$J" sh -c ': >"$1"; read -r x <"$2"' sh "$TMP/held" "$TMP/release" &
holder=$!
if wait_for test -e "$TMP/held"; then
	expect_status "apply while the journal is locked" 2 "$WINNOW" apply "$J"
	check "says it is in use" contains "$TMP/err" "in use by another winnow"
else
	fail "flock took the journal's lock"
fi
echo done >&3
wait "$holder"
expect_eq "the holder had the lock, and let it go when told" "$?" 0
exec 3>&-

# ---- conflicts ----
C=$TMP/conflicts
mkdir -p "$C/yes" "$C/no"
clip "$C/yes/changed.wav" 1 300
clip "$C/yes/missing.wav" 1 310
clip "$C/yes/same.wav" 1 320
cp "$C/yes/same.wav" "$C/no/same.wav"       # the same content already at the target
clip "$C/yes/fine.wav" 1 330
D=$C
{
	journal_head "$C"
	entry 1 relabel yes/changed.wav yes no
	entry 2 delete yes/missing.wav yes
	entry 3 relabel yes/same.wav yes no
	entry 4 relabel yes/fine.wav yes no
} >"$TMP/conflicts.yaml"
clip "$C/yes/changed.wav" 1 301
rm "$C/yes/missing.wav"
expect_status "conflicts: exit 1" 1 "$WINNOW" apply "$TMP/conflicts.yaml"
check "changed content" contains "$TMP/out" "conflict yes/changed.wav: its content changed since the decision"
check "missing file" contains "$TMP/out" "conflict yes/missing.wav: missing"
check "the same content at the target" contains "$TMP/out" "conflict yes/same.wav: the same content is already at no/same.wav"
check "the rest is done" test -f "$C/no/fine.wav"
check "conflicting files stay" sh -c "[ -f '$C/yes/changed.wav' ] && [ -f '$C/yes/same.wav' ]"
check "summary counts conflicts" contains "$TMP/out" "moved 1, trashed 0, rewrote 0 files; 0 already applied, 0 accepted or flagged (nothing to do); 3 conflicts"
# The changed file's step was planned, and recorded, before its hash was
# known (the hashing runs ahead of the renames): found changed just before
# its rename, it is a failed step, and undo leaves it be.
crec=$(sed -n 's/^record: //p' "$TMP/out")
check "the changed file is a failed step of the record" sh -c "grep -q '^failed: ' '$crec'"
expect_status "the conflicts' apply undoes" 0 "$WINNOW" apply --undo "$crec"
check "the changed file is where it was, as it was" sh -c "[ -f '$C/yes/changed.wav' ] && [ ! -e '$C/no/changed.wav' ]"
check "the moved one is back" sh -c "[ -f '$C/yes/fine.wav' ] && [ ! -e '$C/no/fine.wav' ]"

# ---- hostile paths ----
H=$TMP/hostile
O=$TMP/outside
mkdir -p "$H/yes" "$H/no" "$H/up" "$O"
clip "$O/secret.wav" 1 900
clip "$H/yes/a.wav" 1 400
ln -s "$O" "$H/evil"                      # a label folder that leads out
ln -s "$O/secret.wav" "$H/yes/link.wav"   # a file that leads out
mkdir -p "$TMP/elsewhere"
ln -s "$TMP/elsewhere" "$H/down"          # a target folder that is a link
tree "$O" >"$TMP/outside-before"
D=$H
for bad in '../outside/secret.wav' '/etc/passwd' 'yes/../../outside/secret.wav'; do
	{ journal_head "$H"; printf -- '---\nid: 1\nop: delete\npath: "%s"\nlabel: "yes"\nsha256: %s\n...\n' \
		"$bad" "$(sha "$O/secret.wav")"; } >"$TMP/hostile.yaml"
	expect_status "path '$bad' is refused" 2 "$WINNOW" apply "$TMP/hostile.yaml"
	check "with the journal's line" contains "$TMP/err" "hostile.yaml:9: path '$bad' is absolute, empty or has '.' or '..' in it"
done
{
	journal_head "$H"
	printf -- '---\nid: 1\nop: relabel\npath: "evil/secret.wav"\nlabel: "evil"\nto: "no"\nsha256: %s\n...\n' "$(sha "$O/secret.wav")"
	printf -- '---\nid: 2\nop: delete\npath: "yes/link.wav"\nlabel: "yes"\nsha256: %s\n...\n' "$(sha "$O/secret.wav")"
	entry 3 relabel yes/a.wav yes down
	printf -- '---\nid: 4\nop: relabel\npath: "yes/a.wav"\nlabel: "yes"\nto: "../x"\nsha256: %s\n...\n' "$(sha "$H/yes/a.wav")"
} >"$TMP/links.yaml"
expect_status "relabel to '../x' is refused when reading" 2 "$WINNOW" apply "$TMP/links.yaml"
check "naming the line" contains "$TMP/err" "links.yaml:36: relabel to '../x'"
head -n 30 "$TMP/links.yaml" >"$TMP/links2.yaml"
expect_status "links out of ROOT: conflicts, exit 1" 1 "$WINNOW" apply "$TMP/links2.yaml"
check "a folder link out of ROOT is refused" contains "$TMP/out" "conflict evil/secret.wav: refused: it leads out of the dataset"
check "a file link out of ROOT is refused" contains "$TMP/out" "conflict yes/link.wav: refused: it leads out of the dataset"
check "a target folder that is a link is refused" contains "$TMP/out" "conflict yes/a.wav: the target folder down is a link"
tree "$O" >"$TMP/outside-after"
check "nothing outside ROOT changed" cmp -s "$TMP/outside-before" "$TMP/outside-after"
check "nothing went through the link" sh -c "[ -z \"\$(ls '$TMP/elsewhere')\" ]"

# ---- a copied dataset's journal acts on the copy ----
# cp -a keeps the header's dataset: the original's path. The journal in the
# copy's .winnow is the copy's all the same, for apply, export and confusion.
ORIG=$TMP/orig
mkdir -p "$ORIG/yes" "$ORIG/no" "$ORIG/.winnow"
clip "$ORIG/yes/a.wav" 1 440
clip "$ORIG/yes/b.wav" 1 500
clip "$ORIG/no/c.wav" 1 220
printf 'path,pred\nyes/a.wav,no\nyes/b.wav,yes\nno/c.wav,no\n' >"$ORIG/predictions.csv"
D=$ORIG
{
	journal_head "$ORIG"
	entry 1 relabel yes/a.wav yes no
	entry 2 delete yes/b.wav yes
} >"$ORIG/.winnow/journal.yaml"
COPY=$TMP/copy
cp -a "$ORIG" "$COPY"
clip "$COPY/no/only-in-copy.wav" 1 230
tree "$ORIG" >"$TMP/orig-before"
expect_status "a copy's journal: export --manifest" 0 "$WINNOW" export --manifest "$COPY/.winnow/journal.yaml"
check "export lists the copy's tree" grep -qx 'no/only-in-copy.wav,no' "$TMP/out"
expect_status "a copy's journal: confusion on the copy" 0 "$WINNOW" confusion -j "$COPY/.winnow/journal.yaml" "$COPY"
expect_eq "confusion: the copy's journal's relabel counts" "$(grep '^no' "$TMP/out")" "no	2	0"
expect_status "the original's journal given for the copy: refused" 2 "$WINNOW" confusion -j "$ORIG/.winnow/journal.yaml" "$COPY"
check "saying whose journal it is" contains "$TMP/err" "this journal is about the dataset $ORIG (it is kept in that dataset's .winnow folder), not $COPY"
expect_status "a copy's journal: apply" 0 "$WINNOW" apply "$COPY/.winnow/journal.yaml"
check "the copy is changed" sh -c "test -f '$COPY/no/a.wav' && test ! -e '$COPY/yes/a.wav' && test ! -e '$COPY/yes/b.wav'"
check "the record is in the copy" contains "$TMP/out" "record: $COPY/.winnow/applied/"
check "the trash is in the copy" sh -c "ls '$COPY'/.winnow/trash/*/yes/b.wav >/dev/null"
tree "$ORIG" >"$TMP/orig-after"
check "the original is untouched" cmp -s "$TMP/orig-before" "$TMP/orig-after"
check "the original has no record" test ! -e "$ORIG/.winnow/applied"
mv "$COPY" "$TMP/moved"
expect_status "moved: a second apply finds it done, in the moved tree" 0 "$WINNOW" apply "$TMP/moved/.winnow/journal.yaml"
check "moved: already applied" contains "$TMP/out" "2 already applied"
cp -a "$ORIG/.winnow/journal.yaml" "$TMP/kept.yaml"
expect_status "a journal kept elsewhere: the dataset its header names (dry run)" 0 "$WINNOW" apply --dry-run "$TMP/kept.yaml"
check "kept elsewhere: planned in the original" contains "$TMP/out" "trash yes/b.wav -> $ORIG/.winnow/trash/"

MORIG=$TMP/morig
mkdir -p "$MORIG/clips" "$MORIG/.winnow"
clip "$MORIG/clips/c1.wav" 1 440
clip "$MORIG/clips/c2.wav" 1 500
printf 'path,label\nclips/c1.wav,yes\nclips/c2.wav,no\n' >"$MORIG/labels.csv"
D=$MORIG
{
	journal_head "$MORIG" manifest labels.csv
	entry 1 relabel clips/c1.wav yes no
} >"$MORIG/.winnow/labels.csv.journal.yaml"
cp -a "$MORIG" "$TMP/mcopy"
expect_status "a copied manifest's journal: apply" 0 "$WINNOW" apply "$TMP/mcopy/.winnow/labels.csv.journal.yaml"
expect_eq "the copy's manifest is rewritten" "$(cat "$TMP/mcopy/labels.csv")" "$(printf 'path,label\nclips/c1.wav,no\nclips/c2.wav,no')"
expect_eq "the original's manifest is as it was" "$(cat "$MORIG/labels.csv")" "$(printf 'path,label\nclips/c1.wav,yes\nclips/c2.wav,no')"

# ---- a manifest ----
M=$TMP/manifest
mkdir -p "$M/clips"
for i in 1 2 3 4; do clip "$M/clips/c$i.wav" 0.5 $((300 + i * 50)); done
printf 'path,label,split\nclips/c1.wav,yes,train\n"clips/c2.wav",yes,"test"\r\n./clips/c3.wav,no,train\nclips/c4.wav,"no",val\n' >"$M/labels.csv"
cp "$M/labels.csv" "$TMP/labels.orig"
D=$M
{
	journal_head "$M" manifest labels.csv
	entry 1 relabel clips/c2.wav yes no
	entry 2 delete clips/c3.wav no
	entry 3 flag clips/c4.wav no
} >"$TMP/manifest.yaml"
tree "$M" | grep -v labels.csv >"$TMP/m-before"
expect_status "manifest: apply" 0 "$WINNOW" apply "$TMP/manifest.yaml"
mrecord=$(sed -n 's/^record: //p' "$TMP/out")
expect_eq "manifest: relabelled row changed, deleted row gone, the rest byte for byte" \
	"$(od -c "$M/labels.csv")" \
	"$(printf 'path,label,split\nclips/c1.wav,yes,train\nclips/c2.wav,no,test\r\nclips/c4.wav,"no",val\n' | od -c)"
check "manifest: the old one kept beside it" sh -c "cmp '$M'/labels.csv.before-* '$TMP/labels.orig'"
tree "$M" | grep -v labels.csv >"$TMP/m-after"
check "manifest: no sample file moved" cmp -s "$TMP/m-before" "$TMP/m-after"
expect_status "manifest: a second apply" 0 "$WINNOW" apply "$TMP/manifest.yaml"
check "manifest: already applied" contains "$TMP/out" "2 already applied"
expect_status "manifest: undo" 0 "$WINNOW" apply --undo "$mrecord"
check "manifest: restored byte for byte" cmp -s "$M/labels.csv" "$TMP/labels.orig"
check "manifest: no kept copy left" sh -c "! ls '$M'/labels.csv.before-* 2>/dev/null"

# ---- a manifest's escaped names ----
# `export --manifest` writes a name with a backslash as \\ and a byte that
# is not UTF-8 as \xNN, and the manifest's reader undoes that: apply must
# find such rows by the names the journal holds, and write a new label
# escaped the same way, so that the manifest reads back as decided.
E=$TMP/mescaped
mkdir -p "$E/clips"
back="$E/clips/back\\slash.wav" latin=$(printf '%s/clips/caf\351.wav' "$E")
clip "$back" 0.5 440
clip "$latin" 0.5 500
clip "$E/clips/plain.wav" 0.5 600
printf 'path,label\nclips/back\\\\slash.wav,yes\nclips/caf\\xe9.wav,yes\nclips/plain.wav,no\n' >"$E/labels.csv"
cp "$E/labels.csv" "$TMP/escaped.orig"
{
	journal_head "$E" manifest labels.csv
	printf -- '---\nid: 1\nop: relabel\npath: "clips/back\\\\slash.wav"\nlabel: "yes"\n'
	printf 'to: "no\\\\yes"\nsha256: %s\n...\n' "$(sha "$back")"
	printf -- '---\nid: 2\nop: relabel\npath: !!binary %s\nlabel: "yes"\n' \
		"$(printf 'clips/caf\351.wav' | base64)"
	printf 'to: "no"\nsha256: %s\n...\n' "$(sha "$latin")"
} >"$TMP/escaped.yaml"
expect_status "escaped names: apply" 0 "$WINNOW" apply "$TMP/escaped.yaml"
check "escaped names: no conflict" contains "$TMP/out" "0 conflicts"
erecord=$(sed -n 's/^record: //p' "$TMP/out")
expect_eq "escaped names: both rows relabelled, the new label escaped, the rest byte for byte" \
	"$(od -c "$E/labels.csv")" \
	"$(printf 'path,label\nclips/back\\\\slash.wav,no\\\\yes\nclips/caf\\xe9.wav,no\nclips/plain.wav,no\n' | od -c)"
expect_status "escaped names: the manifest reads back as decided" 0 "$WINNOW" apply "$TMP/escaped.yaml"
check "escaped names: both already applied" contains "$TMP/out" "2 already applied"
expect_status "escaped names: undo" 0 "$WINNOW" apply --undo "$erecord"
check "escaped names: restored byte for byte" cmp -s "$E/labels.csv" "$TMP/escaped.orig"

# ---- --trash ----
T=$TMP/trashed
mkdir -p "$T/yes"
clip "$T/yes/x.wav" 1 440
D=$T
{ journal_head "$T"; entry 1 delete yes/x.wav yes; } >"$TMP/trash.yaml"
expect_status "--trash DIR" 0 "$WINNOW" apply --trash "$TMP/bin" "$TMP/trash.yaml"
check "the file is in DIR/STAMP/" sh -c "ls '$TMP'/bin/*/yes/x.wav >/dev/null"
trecord=$(sed -n 's/^record: //p' "$TMP/out")
expect_status "--trash: undo without naming DIR is refused" 2 "$WINNOW" apply --undo "$trecord"
check "it says the trash is outside the dataset" contains "$TMP/err" "is outside the dataset"
check "and nothing moved back" test ! -e "$T/yes/x.wav"
expect_status "--trash: undo of a trash in another folder than --trash names" 2 \
	"$WINNOW" apply --undo "$trecord" --trash "$TMP"
expect_status "--trash: undo with --trash DIR" 0 "$WINNOW" apply --undo "$trecord" --trash "$TMP/bin"
check "the file is back" test -f "$T/yes/x.wav"

# ---- the config file's trash ----
# `trash:` in config.yaml is where deletes go when --trash is not given;
# --trash still wins, and undo takes the files back from the configured
# folder as from one named with --trash.
C=$TMP/cfgtrash
mkdir -p "$C/yes" "$XDG_CONFIG_HOME/winnow"
clip "$C/yes/x.wav" 1 440
clip "$C/yes/y.wav" 1 500
D=$C
printf 'trash: "%s"\n' "$TMP/configured" >"$XDG_CONFIG_HOME/winnow/config.yaml"
{ journal_head "$C"; entry 1 delete yes/x.wav yes; } >"$TMP/cfgtrash.yaml"
expect_status "config trash: apply" 0 "$WINNOW" apply "$TMP/cfgtrash.yaml"
check "the file is in the configured folder" sh -c "ls '$TMP'/configured/*/yes/x.wav >/dev/null"
check "and not in the dataset's trash" test ! -e "$C/.winnow/trash"
crecord=$(sed -n 's/^record: //p' "$TMP/out")
expect_status "config trash: undo" 0 "$WINNOW" apply --undo "$crecord"
check "the file is back" test -f "$C/yes/x.wav"
{ journal_head "$C"; entry 1 delete yes/y.wav yes; } >"$TMP/cfgtrash2.yaml"
expect_status "config trash: --trash wins" 0 "$WINNOW" apply --trash "$TMP/given" "$TMP/cfgtrash2.yaml"
check "the file is in the --trash folder" sh -c "ls '$TMP'/given/*/yes/y.wav >/dev/null"
check "and not in the configured one" sh -c "! ls '$TMP'/configured/*/yes/y.wav 2>/dev/null"
printf 'trash: "/proc/winnow-trash"\n' >"$XDG_CONFIG_HOME/winnow/config.yaml"
{ journal_head "$C"; entry 1 delete yes/x.wav yes; } >"$TMP/cfgtrash3.yaml"
expect_status "config trash on another file system" 2 "$WINNOW" apply "$TMP/cfgtrash3.yaml"
check "the error names the config file's line" contains "$TMP/err" "config.yaml:1: trash: /proc/winnow-trash: on another file system"
rm "$XDG_CONFIG_HOME/winnow/config.yaml"

# ---- undo holds a record to apply's rules ----
# Records planted in ROOT/.winnow/applied/ by someone who can write there:
# each must end in an error or a conflict, with nothing outside ROOT
# touched and nothing in it lost.
H=$TMP/hostile O=$TMP/outside
mkdir -p "$H/yes" "$H/no" "$H/.winnow/applied" "$H/.winnow/trash" "$O"
clip "$H/yes/a.wav" 1 440
clip "$H/yes/b.wav" 1 550
clip "$O/secret.wav" 1 660
printf 'yes/a.wav\n' >"$H/testing_list.txt"
printf 'yes/b.wav\n' >"$H/testing_list.txt.before-X"
ln -s "$O" "$H/no/out"
ln -s "$O" "$H/.winnow/trash/evil"
tree "$O" >"$TMP/o-before"
tree "$H" >"$TMP/h-before"
# hostile NAME TRASH: a record whose steps come on stdin
hostile() {
	{ printf -- '---\nwinnow-apply: 1\ndataset: "%s"\nlayout: folders\n' "${3:-$H}"
	  printf 'trash: "%s"\n...\n' "$2"; cat; } >"$H/.winnow/applied/$1.yaml"
	echo "$H/.winnow/applied/$1.yaml"
}
step() { # step OP FROM TO SHA [KEY]
	if [ "$1" = rewrite ]; then
		printf -- '---\nop: rewrite\nfile: "%s"\nkept: "%s"\nsha256: %s\n...\n' "$2" "$3" "$4"
	else
		printf -- '---\nop: %s\nid: 1\nfrom: "%s"\nto: "%s"\nsha256: %s\n...\n' "$1" "$2" "$3" "$4"
	fi
}
untouched() {
	tree "$O" >"$TMP/o-after"; tree "$H" >"$TMP/h-after"
	check "$1: nothing outside touched" cmp -s "$TMP/o-before" "$TMP/o-after"
	check "$1: nothing in the dataset moved or lost" cmp -s "$TMP/h-before" "$TMP/h-after"
}
rec=$(step move yes/a.wav /etc/secret.wav "$(sha "$O/secret.wav")" | hostile abs "$H/.winnow/trash/t")
expect_status "hostile: an absolute path" 2 "$WINNOW" apply --undo "$rec"
check "it says which step is unsafe" contains "$TMP/err" "unsafe path"
untouched "absolute path"
rec=$(step move yes/s.wav ../outside/secret.wav "$(sha "$O/secret.wav")" | hostile dotdot "$H/.winnow/trash/t")
expect_status "hostile: a path with .." 2 "$WINNOW" apply --undo "$rec"
untouched "a path with .."
rec=$(step trash yes/s.wav secret.wav "$(sha "$O/secret.wav")" | hostile far "$O")
expect_status "hostile: a trash outside ROOT" 2 "$WINNOW" apply --undo "$rec"
check "it names the trash folder and why" contains "$TMP/err" "its trash folder $O is outside the dataset"
untouched "a trash outside ROOT"
rec=$(step trash yes/s.wav secret.wav "$(sha "$O/secret.wav")" | hostile linked "$H/.winnow/trash/evil")
expect_status "hostile: a trash folder that is a link out of ROOT" 2 "$WINNOW" apply --undo "$rec"
check "it says the trash leads out" contains "$TMP/err" "leads out of the dataset"
untouched "a trash that is a link out"
rec=$(step move yes/s.wav no/out/secret.wav "$(sha "$O/secret.wav")" | hostile through "$H/.winnow/trash/t")
expect_status "hostile: a link in the path leading out" 1 "$WINNOW" apply --undo "$rec"
check "a conflict that says so" contains "$TMP/out" "leads out of the dataset"
untouched "a link in the path"
rec=$(step rewrite yes/a.wav yes/b.wav "$(sha "$H/yes/a.wav")" | hostile overwrite "$H/.winnow/trash/t")
expect_status "hostile: a rewrite onto another file" 2 "$WINNOW" apply --undo "$rec"
untouched "a rewrite onto another file"
rec=$(step rewrite testing_list.txt testing_list.txt.before-X "$(sha "$H/yes/a.wav")" | hostile other "$H/.winnow/trash/t")
expect_status "hostile: a rewrite whose target has other content" 1 "$WINNOW" apply --undo "$rec"
check "a conflict: changed since apply" contains "$TMP/out" "conflict testing_list.txt: changed since apply"
untouched "a rewrite whose target has other content"
rec=$(step move yes/c.wav yes/a.wav 0000000000000000000000000000000000000000000000000000000000000000 | hostile wrongsha "$H/.winnow/trash/t")
expect_status "hostile: a wrong sha256" 1 "$WINNOW" apply --undo "$rec"
check "a conflict: content changed" contains "$TMP/out" "conflict yes/a.wav: its content changed since apply"
untouched "a wrong sha256"
rec=$(step move x.wav secret.wav "$(sha "$O/secret.wav")" | hostile elsewhere "$O/.winnow/trash/t" "$O")
expect_status "hostile: a dataset: that names another tree" 1 "$WINNOW" apply --undo "$rec"
untouched "a dataset: elsewhere"
cp "$trecord" "$TMP/copied.yaml"
expect_status "a record outside a dataset's .winnow/applied/" 2 "$WINNOW" apply --undo "$TMP/copied.yaml"
check "it says undo acts on the record's own dataset" contains "$TMP/err" "not in a dataset's .winnow/applied/"
# A rewrite whose sha256 matches: the original comes back, and the applied
# version is set aside, not overwritten.
applied=$(sha "$H/testing_list.txt")
rec=$(step rewrite testing_list.txt testing_list.txt.before-X "$applied" | hostile matched "$H/.winnow/trash/t")
expect_status "a rewrite undone" 0 "$WINNOW" apply --undo "$rec"
check "the kept one is back" sh -c "[ \"\$(cat '$H/testing_list.txt')\" = yes/b.wav ]"
check "the applied one is kept in .winnow/undone/" sh -c "[ \"\$(sha '$H/.winnow/undone/matched/testing_list.txt' 2>/dev/null || sha256sum <'$H/.winnow/undone/matched/testing_list.txt' | cut -d' ' -f1)\" = $applied ]"

# ---- a record that cannot be written ----
# A write that fails part way (RLIMIT_FSIZE, which any user may lower and
# which fails the same for root) must leave no torn record under a record's
# name, move nothing, and say so.
F=$TMP/full
mkdir -p "$F/yes"
i=0; while [ $i -lt 60 ]; do printf 'clip %d\n' $i >"$F/yes/c$i.txt"; i=$((i + 1)); done
D=$F
{ journal_head "$F"; i=0; while [ $i -lt 60 ]; do entry $((i + 1)) relabel yes/c$i.txt yes no; i=$((i + 1)); done; } >"$TMP/full.yaml"
tree "$F" >"$TMP/f-before"
expect_status "a record that cannot be written whole" 2 sh -c "trap '' XFSZ; ulimit -f 2; exec '$WINNOW' apply '$TMP/full.yaml'"
check "the error says the record was not written and nothing moved" contains "$TMP/err" "cannot write the record"
check "no partial record is left under a record's name" sh -c "! ls '$F/.winnow/applied/' 2>/dev/null | grep -q yaml"
tree "$F" >"$TMP/f-after"
check "nothing moved" cmp -s "$TMP/f-before" "$TMP/f-after"
expect_status "with room, it applies" 0 "$WINNOW" apply "$TMP/full.yaml"
expect_status "and undoes" 0 "$WINNOW" apply --undo "$(sed -n 's/^record: //p' "$TMP/out")"

# ---- a name taken in a folder many files go to ----
# (such a folder is listed once instead of asked for each name)
M=$TMP/many
mkdir -p "$M/yes" "$M/no"
i=0; while [ $i -lt 60 ]; do printf 'm %d\n' $i >"$M/yes/m$i.txt"; i=$((i + 1)); done
printf 'other\n' >"$M/no/m59.txt"
D=$M
{ journal_head "$M"; i=0; while [ $i -lt 60 ]; do entry $((i + 1)) relabel yes/m$i.txt yes no; i=$((i + 1)); done; } >"$TMP/many.yaml"
expect_status "a name taken late in a folder many files go to" 0 "$WINNOW" apply "$TMP/many.yaml"
check "the file there is kept" sh -c "[ \"\$(cat '$M/no/m59.txt')\" = other ]"
check "the moved one took the next free name" sh -c "[ \"\$(cat '$M/no/m59~1.txt')\" = 'm 59' ]"

# ---- SIGKILL at any moment ----
# apply killed at a moment of its own (before the record, while the files
# are hashed ahead of the renames, during them): undo of whatever record it
# left restores the tree, and without a record nothing moved.
K=$TMP/killed
mkdir -p "$K/yes" "$K/no"
i=0; while [ $i -lt 400 ]; do printf 'clip %d\n' $i >"$K/yes/k$i.txt"; i=$((i + 1)); done
D=$K
{ journal_head "$K"; i=0; while [ $i -lt 400 ]; do entry $((i + 1)) relabel yes/k$i.txt yes no; i=$((i + 1)); done; } >"$TMP/killed.yaml"
tree "$K" >"$TMP/k-before"
r=0 bad=0 partial=0
while [ $r -lt 8 ]; do
	r=$((r + 1))
	"$WINNOW" apply "$TMP/killed.yaml" >/dev/null 2>&1 &
	pid=$!
	sleep "$(awk "BEGIN { print $r * 0.025 }")"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	rec=$(ls "$K/.winnow/applied/"*.yaml 2>/dev/null | head -n1)
	if [ -n "$rec" ]; then
		ls "$K/no" | grep -q . && ls "$K/yes" | grep -q . && partial=$((partial + 1))
		"$WINNOW" apply --undo "$rec" >"$TMP/k-undo" 2>&1 || { bad=$((bad + 1)); sed 's/^/#   /' "$TMP/k-undo"; }
	fi
	rm -rf "$K/.winnow"
	tree "$K" >"$TMP/k-after"
	cmp -s "$TMP/k-before" "$TMP/k-after" || { bad=$((bad + 1)); echo "#   round $r: the tree differs"; }
done
echo "#   $partial of $r rounds killed part way through the renames"
expect_eq "after each kill -9, undo restored the tree" "$bad" 0

# ---- record names sort in time order ----
# Three applies in one second: `ls` must list their records in the order
# they were made, and the newest must undo.
S=$TMP/order
mkdir -p "$S/yes"
for f in a b c; do printf '%s\n' "$f" >"$S/yes/$f.txt"; done
D=$S
for f in a b c; do { journal_head "$S"; entry 1 relabel "yes/$f.txt" yes no; } >"$TMP/order-$f.yaml"; done
# Start just after a second begins, so that all three fall in it.
while [ "$(date +%N | cut -c1)" != 0 ]; do :; done
for f in a b c; do
	"$WINNOW" apply "$TMP/order-$f.yaml" >"$TMP/out" 2>&1
	sed -n 's/^record: //p' "$TMP/out" >>"$TMP/made"
done
expect_eq "ls lists the records in the order they were made" \
	"$(cd "$S/.winnow/applied" && ls)" "$(xargs -n1 basename <"$TMP/made")"
expect_status "the newest undoes" 0 "$WINNOW" apply --undo "$(tail -n1 "$TMP/made")"
check "its file is back" test -f "$S/yes/c.txt"

# ---- usage ----
expect_status "no journal" 2 "$WINNOW" apply
expect_status "a journal that is not there" 2 "$WINNOW" apply "$TMP/nothing.yaml"
expect_status "--undo with a journal" 2 "$WINNOW" apply --undo "$record" "$J"
expect_status "--undo of garbage" 2 "$WINNOW" apply --undo "$TMP/labels.orig"
finish
