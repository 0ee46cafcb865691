#!/bin/sh
# export.sh — `winnow export` on files with hostile names (a line break, a
# quote, a comma, a tab, ESC, BEL, a byte that is not UTF-8, a leading
# space, backslashes) and labels: --rogues writes no control byte to the
# terminal, and --manifest writes a manifest that winnow reads back to every
# sample, under the same names and labels.
. "${top_srcdir:-.}/tests/lib.sh"
need sox "$PYTHON"

ds=$TMP/ds
mkdir -p "$ds"
# The names, as bytes, one a line in hex (shell variables cannot hold
# every byte); the folder is the label.
"$PYTHON" - "$ds" <<'EOF'
import base64, hashlib, os, subprocess, sys
root = os.fsencode(sys.argv[1])
names = [b"yes/new\nline.wav", b'yes/quo"te.wav', b"yes/com,ma.wav", b"yes/tab\there.wav",
         b"yes/\x1b]0;pwned\x07.wav", b"yes/bel\x07.wav", b"yes/\xff-byte.wav",
         b"yes/ leading space.wav", b"yes/trailing space .wav", b"yes/back\\slash.wav",
         b"yes/back\\x41.wav", b"yes/back\\\\two.wav", b"yes/cr\r.wav", b"yes/caf\xc3\xa9.wav",
         b"no/plain.wav", b"no/\"quoted\".wav", b"la,b\x1bel/one.wav", b" sp/two.wav"]
entries = []
for i, n in enumerate(names):
    p = os.path.join(root, n)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    subprocess.run(["sox", "-q", "-n", "-r", "8000", "-c", "1", "-b", "16", "-t", "wav", "-",
                    "synth", "0.05", "sine", str(300 + 20 * i)], stdout=open(p, "wb"), check=True)
    entries.append((n, hashlib.sha256(open(p, "rb").read()).hexdigest()))
with open(os.path.join(root, b"names"), "wb") as f:
    f.write(b"".join(n.hex().encode() + b"\n" for n, _ in entries))
# Every path as a !!binary scalar, as the journal writes a name that is not
# UTF-8: each hostile sample is flagged, one is relabelled, one deleted.
with open(os.path.join(root, b"journal.yaml"), "wb") as f:
    f.write(b'---\nwinnow-journal: 1\ndataset: "' + root + b'"\nlayout: folders\n...\n')
    for i, (n, sha) in enumerate(entries, 1):
        label = n.split(b"/")[0]
        op = b"flag"
        if n == b"no/plain.wav":
            op = b"delete"
        elif n == b"yes/com,ma.wav":
            op = b"relabel"
        f.write(b"---\nid: %d\nop: %s\npath: !!binary %s\nlabel: !!binary %s\n" % (
            i, op, base64.b64encode(n), base64.b64encode(label)))
        if op == b"relabel":
            f.write(b'to: "no"\n')
        f.write(b"sha256: %s\nat: 2026-11-27T21:03:11Z\nby: \"tester\"\n...\n" % sha.encode())
EOF
J=$ds/journal.yaml
mv "$ds/names" "$TMP/names"

# ---- --rogues ----
expect_status "export --rogues" 0 "$WINNOW" export --rogues "$J"
cp "$TMP/out" "$TMP/rogues"
expect_eq "every flagged sample listed, one a line" "$(wc -l <"$TMP/rogues")" 16
# Only printable text and the line ends: no ESC, BEL, CR or stray byte
# reaches the terminal that shows the list.
check "rogues: no control byte, no byte that is not UTF-8" "$PYTHON" -c '
import sys
d = open(sys.argv[1], "rb").read()
sys.exit(any(b < 0x20 and b != 0x0a or b == 0x7f for b in d) or not d.decode("utf-8", "strict"))
' "$TMP/rogues"
check "rogues: escaped as winnow shows names" contains "$TMP/rogues" 'yes/\x1b]0;pwned\x07.wav'
check "rogues: a line break escaped" contains "$TMP/rogues" 'yes/new\x0aline.wav'
check "rogues: a backslash doubled" contains "$TMP/rogues" 'yes/back\\x41.wav'
check "rogues: UTF-8 text as it is" grep -qx 'yes/caf.*\.wav' "$TMP/rogues"

# ---- --manifest, and back ----
expect_status "export --manifest" 0 "$WINNOW" export --manifest -o "$ds/m.csv" "$J"
check "manifest: said nothing" sh -c "[ ! -s '$TMP/err' ]"
check "manifest: no control byte, no byte that is not UTF-8" "$PYTHON" -c '
import sys
d = open(sys.argv[1], "rb").read()
sys.exit(any(b < 0x20 and b != 0x0a or b == 0x7f for b in d) or not d.decode("utf-8", "strict"))
' "$ds/m.csv"
expect_eq "manifest: the header and every sample but the deleted one" "$(wc -l <"$ds/m.csv")" 18
# The manifest opened as a dataset, read through a journal of its own and
# exported again: the same rows, so every name and label was read back.
printf -- '---\nwinnow-journal: 1\ndataset: "%s"\nlayout: manifest\nmanifest: "m.csv"\n...\n' \
	"$ds" >"$TMP/m.yaml"
expect_status "the exported manifest opens as a dataset" 0 "$WINNOW" export --manifest "$TMP/m.yaml"
check "read back without a fault" sh -c "[ ! -s '$TMP/err' ]"
sed 's/^/#   /' "$TMP/err" | head -5
check "every sample back, under its name and label" cmp -s "$TMP/out" "$ds/m.csv"
diff "$ds/m.csv" "$TMP/out" | sed 's/^/#   /' | head -10
expect_status "stats on the exported manifest" 0 "$WINNOW" stats --format tsv "$ds/m.csv"
check "no row refused" sh -c "[ ! -s '$TMP/err' ]"
sed 's/^/#   /' "$TMP/err" | head -5
# Against the files themselves: each name the dataset has (the deleted one
# aside) is a row of the manifest read back, with the relabel in it.
"$PYTHON" - "$ds" "$TMP/names" "$TMP/expected" <<'EOF'
import sys
names = [bytes.fromhex(l.strip()) for l in open(sys.argv[2])]
# escape_name: \\ and \xNN for control characters and bytes that are not UTF-8.
def esc(b):
    out = ""
    for ch in b.decode("utf-8", "surrogateescape"):
        o = ord(ch)
        if 0xdc80 <= o <= 0xdcff:
            out += "\\x%02x" % (o - 0xdc00)
        elif o < 0x20 or o == 0x7f or 0x80 <= o < 0xa0:
            out += "\\x%02x" % o if o < 0x80 else "".join("\\x%02x" % c for c in ch.encode())
        elif ch == "\\":
            out += "\\\\"
        else:
            out += ch
    return out
def field(s):
    if any(c in s for c in ',"\r\n') or s[:1] == " " or s[-1:] == " ":
        return '"' + s.replace('"', '""') + '"'
    return s
rows = []
for n in names:
    if n == b"no/plain.wav":
        continue
    label = b"no" if n == b"yes/com,ma.wav" else n.split(b"/")[0]
    rows.append((n, field(esc(n)) + "," + field(esc(label))))
rows.sort()
open(sys.argv[3], "w", encoding="utf-8").write("path,label\n" + "".join(r + "\n" for _, r in rows))
EOF
check "each row as the names and labels are, escaped" cmp -s "$TMP/expected" "$ds/m.csv"
diff "$TMP/expected" "$ds/m.csv" | sed 's/^/#   /' | head -10

# ---- a manifest's escapes, read ----
mkdir -p "$TMP/hand/clips"
sox -q -n -r 8000 -c 1 -b 16 "$TMP/hand/clips/a
b.wav" synth 0.05 sine 300
sox -q -n -r 8000 -c 1 -b 16 "$TMP/hand/clips/c.wav" synth 0.05 sine 300
printf 'path,label\nclips/a\\x0ab.wav,yes\nclips/bad\\q.wav,no\nclips/c.wav\\x00.txt,no\n' \
	>"$TMP/hand/labels.csv"
printf -- '---\nwinnow-journal: 1\ndataset: "%s"\nlayout: manifest\nmanifest: "labels.csv"\n...\n' \
	"$TMP/hand" >"$TMP/hand.yaml"
expect_status "a manifest with \\x0a in a path" 0 "$WINNOW" export --manifest "$TMP/hand.yaml"
check "names the file with a line break" grep -qxF 'clips/a\x0ab.wav,yes' "$TMP/out"
check "a backslash that starts no escape: the row is refused, and said" \
	contains "$TMP/err" "labels.csv: line 3:"
check "\\x00, which would cut the name short: the row is refused, and said" \
	contains "$TMP/err" "labels.csv: line 4:"
check "and the file it would cut to is not taken for it" sh -c "! grep -q c.wav '$TMP/out'"
finish
