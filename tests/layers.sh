#!/bin/sh
# layers.sh — the layering of src/ (src/README.md): base, formats, model,
# cli, tui, and main.c on top. A file may include, directly or through the
# project's headers it includes, only headers of its own layer and those
# below; curses, PortAudio and chafa belong to the tui alone. The build
# already refuses a lower layer's quoted include of a higher header (each
# library sees only its layers' include folders), but Debian's curses.h is on
# the default include path, so only this test holds the system headers.
# It checks itself first: a copy of src/ with planted faults must fail.
. "$top_srcdir/tests/lib.sh"

checker=$TMP/layers.py
cat >"$checker" <<'EOF'
import os, re, sys

RANK = {"base": 0, "formats": 1, "model": 2, "cli": 3, "tui": 4}
TOP = 5  # src/main.c
TUI_ONLY = re.compile(r"^(n?curses[^/]*\.h|ncursesw/.*|term\.h|panel\.h|menu\.h|form\.h"
                      r"|portaudio\.h|pa_[a-z_]*\.h|chafa\.h|chafa/.*)$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)

src = sys.argv[1]
files, headers, faults = {}, {}, []
for root, _, names in os.walk(src):
    for n in names:
        if n.endswith((".c", ".h")):
            path = os.path.join(root, n)
            rel = os.path.relpath(path, src)
            first = rel.split(os.sep)[0]
            rank = TOP if rel == "main.c" else RANK.get(first)
            if rank is None:
                faults.append(f"{rel}: in no layer (base, formats, model, cli, tui)")
                continue
            files[rel] = rank
            if n.endswith(".h"):
                if n in headers:
                    faults.append(f"{rel}: the header name {n} is taken by {headers[n]}")
                headers[n] = rel

def includes(rel):
    with open(os.path.join(src, rel), encoding="utf-8", errors="replace") as f:
        return INCLUDE.findall(f.read())

def reach(rel):
    """Every (how, name, via) that rel includes, through the project's headers."""
    seen, todo, out = {rel}, [(rel, [])], []
    while todo:
        cur, via = todo.pop()
        for how, name in includes(cur):
            base = os.path.basename(name)
            if how == '"' and name != "config.h":
                if base not in headers:
                    faults.append(f"{cur}: includes \"{name}\", which no folder of src/ has")
                    continue
                target = headers[base]
                out.append((target, via))
                if target not in seen:
                    seen.add(target)
                    todo.append((target, via + [target]))
            elif how == "<":
                out.append(("<" + name + ">", via))
    return out

for rel, rank in sorted(files.items()):
    for what, via in reach(rel):
        path = " through " + " -> ".join(via) if via else ""
        if what.startswith("<"):
            if rank < RANK["tui"] and TUI_ONLY.match(what[1:-1]):
                faults.append(f"{rel}: includes {what}{path}, which only the tui may")
        elif files[what] > rank:
            faults.append(f"{rel}: includes {what}{path}, a higher layer")
for f in sorted(set(faults)):
    print(f)
sys.exit(1 if faults else 0)
EOF

layers() { "$PYTHON" "$checker" "$1" >"$TMP/out" 2>&1; }

# ---- the checker finds what it is for ----
cp -R "$top_srcdir/src" "$TMP/planted"
P=$TMP/planted
printf '#include <curses.h>\n' >>"$P/formats/text.h"
printf '#include "ui.h"\n' >>"$P/model/confusion.c"
printf '#include "playback.h"\n' >>"$P/cli/cmd-stats.c"
printf '#include "nowhere.h"\n' >>"$P/base/worker.c"
cp "$P/base/util.h" "$P/model/util.h"
mkdir -p "$P/extra" && echo 'int x;' >"$P/extra/stray.c"
if layers "$P"; then
	fail "planted faults pass the layering check"
	cat "$TMP/out"
else
	pass "planted faults fail the layering check"
fi
check "curses through a format's header is found in the file that includes it" \
	contains "$TMP/out" "formats/text.c: includes <curses.h> through formats/text.h, which only the tui may"
check "curses in a format's header is found" \
	contains "$TMP/out" "formats/text.h: includes <curses.h>, which only the tui may"
check "a model file including the tui's header is found" \
	contains "$TMP/out" "model/confusion.c: includes tui/ui.h, a higher layer"
check "the tui's curses reached through its header is named" \
	contains "$TMP/out" "model/confusion.c: includes <curses.h> through tui/ui.h, which only the tui may"
check "a cli file including a feed of the tui is found" \
	contains "$TMP/out" "cli/cmd-stats.c: includes tui/feeds/playback.h, a higher layer"
check "an include that names no header of src/ is found" \
	contains "$TMP/out" 'base/worker.c: includes "nowhere.h", which no folder of src/ has'
check "two headers of one name are found" \
	contains "$TMP/out" "the header name util.h is taken by"
check "a file in no layer is found" contains "$TMP/out" "extra/stray.c: in no layer"

# ---- the real tree keeps its layers ----
if layers "$top_srcdir/src"; then
	pass "src/ keeps its layers"
else
	fail "src/ breaks its layers:"
	sed 's/^/#   /' "$TMP/out"
fi

# ---- calls go down too ----
# Includes are not the whole story: a function declared in a low header but
# defined higher up (the usage text in main.c, called by the browser) makes
# a circle the include check cannot see. No archive may use a name defined
# in a higher one; and the image decoders' shared helpers carry the image_
# prefix, so the formats library exports no generic names.
calls=$TMP/calls.py
cat >"$calls" <<'EOF'
import os, re, subprocess, sys

def symbols(path, *flags):
    """(member, name) for each symbol nm lists; nm -A names the member."""
    out = subprocess.run(["nm", "-A", *flags, path], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        where, rest = line.split(": ", 1) if ": " in line else line.rsplit(":", 1)
        parts = rest.split()
        if parts:
            yield os.path.basename(where.split(":")[-1]), parts[-1]

faults, defined = [], {}
layers = sys.argv[1:]
for rank, path in enumerate(layers):
    for member, name in symbols(path, "-g", "--defined-only"):
        defined.setdefault(name, (rank, member))
        if re.match(r"libformats_a-image(-\w+)?\.o$", member) and not name.startswith("image_"):
            faults.append(f"{member}: exports {name}, a name without image_")
for rank, path in enumerate(layers):
    for member, name in symbols(path, "-u"):
        if name in defined and defined[name][0] > rank:
            faults.append(f"{member}: calls {name}, defined above it in {defined[name][1]}")
for f in sorted(set(faults)):
    print(f)
sys.exit(1 if faults else 0)
EOF

calls() { "$PYTHON" "$calls" "$@" >"$TMP/out" 2>&1; }

# ---- the checker finds what it is for ----
O=$TMP/obj
mkdir "$O"
printf 'void usage_help(void);\nvoid browse(void) { usage_help(); }\n' >"$O/low.c"
printf 'void usage_help(void) {}\nint main(void) { return 0; }\n' >"$O/high.c"
printf 'int stop(int x) { return x; }\n' >"$O/libformats_a-image-decode.c"
for f in low high libformats_a-image-decode; do
	cc -c -o "$O/$f.o" "$O/$f.c"
done
if calls "$O/low.o" "$O/libformats_a-image-decode.o" "$O/high.o"; then
	fail "planted calls pass the calls check"
	cat "$TMP/out"
else
	pass "planted calls fail the calls check"
fi
check "a call into a higher layer is found" \
	contains "$TMP/out" "low.o: calls usage_help, defined above it in high.o"
check "a generic name exported by an image decoder is found" \
	contains "$TMP/out" "libformats_a-image-decode.o: exports stop, a name without image_"

# ---- the real build keeps them ----
B=$top_builddir/src
if calls "$B/libbase.a" "$B/libformats.a" "$B/libmodel.a" "$B/libcli.a" "$B/libtui.a" \
    "$B/winnow-main.o"; then
	pass "src/ calls only down its layers, and the image decoders export image_ names"
else
	fail "src/ calls up its layers or exports generic names:"
	sed 's/^/#   /' "$TMP/out"
fi
finish
