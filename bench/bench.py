#!/usr/bin/python3
"""The measurements of `make bench` (run through bench/run, which makes the data).

Each figure is the median of several runs after a warm-up, with min and max;
each comparison is a ratio of times measured pair by pair in the same run
(the machine is shared and noisy: absolute times mean little). Peak memory
comes from wait4's rusage."""
import argparse
import collections
import datetime
import hashlib
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--winnow", required=True)
ap.add_argument("--thumb")
ap.add_argument("--wave")
ap.add_argument("--journal")
ap.add_argument("--neardup")
ap.add_argument("--cache", required=True)
ap.add_argument("--results")
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--only", default="", help="comma-separated row names")
args = ap.parse_args()

W = os.path.abspath(args.winnow)
C = args.cache
SPEECH = os.path.join(C, "speech")
SPEECH1M = os.path.join(C, "speech-1m")
IMAGES = os.path.join(C, "images")
EMBED = os.path.join(C, "embed")
EMBED_VECTORS = os.path.join(C, "embed-vectors")
rows = []


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


Ran = collections.namedtuple("Ran", "seconds rss cpu")


def run(cmd, env=None, ok=(0,), stdin=None, cwd=None, stdout=subprocess.DEVNULL):
    """Run cmd; return Ran(seconds, max RSS in bytes, CPU seconds over all
    its threads: on a loaded machine wall times stretch, CPU times less)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE,
                         env=env, stdin=stdin, cwd=cwd)
    err = b""
    _, status, ru = os.wait4(p.pid, 0)
    t = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        err = p.stderr.read().decode(errors="replace")[-600:]
        raise RuntimeError("%s exited %d: %s" % (" ".join(cmd[:4]), code, err))
    p.stderr.close()
    return Ran(t, ru.ru_maxrss * 1024, ru.ru_utime + ru.ru_stime)


def stats3(xs):
    return statistics.median(xs), min(xs), max(xs)


def fmt_t(xs):
    m, lo, hi = stats3(xs)
    unit, k = ("s", 1) if m >= 1 else ("ms", 1000)
    return "%.3g %s (%.3g–%.3g)" % (m * k, unit, lo * k, hi * k)


def pair(a, b, runs, setup=None):
    """Time a and b alternately; returns (times a, times b, ratios a/b)."""
    ta, tb = [], []
    for i in range(runs + 1):
        for which, cmd, out in ((0, a, ta), (1, b, tb)):
            if setup:
                setup(which)
            t = cmd()
            if i > 0:           # the first round warms caches
                out.append(t)
    return ta, tb, [x / y for x, y in zip(ta, tb)]


def row(name, what, winnow, reference, ratio, goal, met):
    rows.append((name, what, winnow, reference, ratio, goal, met))
    log("%-10s %s | %s | %s | %s | goal %s: %s" % (name, what, winnow, reference, ratio, goal, met))


def want(name):
    return not args.only or name in args.only.split(",")


def guarded(name, what, goal, fn, names=()):
    """Run fn, which measures the row `name` (or the rows in `names`), when
    --only names none or one of them."""
    if not any(want(n) for n in names or (name,)):
        return
    try:
        fn()
    except Exception as e:  # a row that cannot be measured says why
        row(name, what, "n/a: %s" % str(e).splitlines()[0][:120], "", "", goal, "not measured")


# ---- rows ----

def index():
    ta, tb, r = pair(lambda: run([W, "stats", SPEECH])[0],
                     lambda: run(["sh", "-c", "find '%s' -type f | wc -l" % SPEECH])[0],
                     args.runs)
    m = statistics.median(r)
    row("index", "index the speech tree (`winnow stats`, 105,829 files)", fmt_t(ta),
        "`find -type f \\| wc -l`: " + fmt_t(tb), "%.2f×" % m, "≤ 1.5×", "yes" if m <= 1.5 else "NO")


def memory():
    small = tempfile.mkdtemp()
    os.makedirs(os.path.join(small, "a"))
    open(os.path.join(small, "a", "x.wav"), "w").close()
    base = min(run([W, "stats", small])[1] for _ in range(3))
    big = min(run([W, "stats", SPEECH1M])[1] for _ in range(2))
    shutil.rmtree(small)
    n = 0
    pathbytes = 0
    for d in os.listdir(SPEECH1M):
        if d.startswith(".") or not os.path.isdir(os.path.join(SPEECH1M, d)):
            continue        # its manifest.csv, a journal the browser rows left
        fs = os.listdir(os.path.join(SPEECH1M, d))
        n += len(fs)
        pathbytes += sum(len(d) + 1 + len(f) + 1 for f in fs)
    per = (big - base) / n
    beyond = per - pathbytes / n
    row("memory", "memory per sample at %d samples (peak RSS of `winnow stats`)" % n,
        "%.0f B/sample, %.0f B beyond the path" % (per, beyond), "—", "—",
        "≤ 100 B beyond the path", "yes" if beyond <= 100 else "NO")


def tmux(sock, *a):
    return subprocess.run(["tmux", "-L", sock, "-f", "/dev/null"] + list(a),
                          capture_output=True, text=True).stdout


def browse(dataset, keys=0, interval=0.02, settle=0.0, press="j"):
    """Open the browser in a private tmux server with --trace; optionally send
    `keys` presses, going round the keys of `press`; returns the trace lines."""
    tmp = tempfile.mkdtemp()
    trace = os.path.join(tmp, "trace")
    sock = "winnow-bench-%d" % os.getpid()
    env = "HOME=%s XDG_CACHE_HOME=%s/cache XDG_STATE_HOME=%s/state XDG_CONFIG_HOME=%s/config" % (
        tmp, tmp, tmp, tmp)
    tmux(sock, "new-session", "-d", "-x", "120", "-y", "40",
         "env %s TERM=xterm-256color %s --trace %s %s" % (env, W, trace, dataset))
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(trace) and "ready" in open(trace).read():
                break
            time.sleep(0.02)
        time.sleep(settle)
        for i in range(keys):
            tmux(sock, "send-keys", press[i % len(press)])
            time.sleep(interval)
        time.sleep(0.3)
        tmux(sock, "send-keys", "q")
        time.sleep(0.3)
        return open(trace).read().splitlines() if os.path.exists(trace) else []
    finally:
        tmux(sock, "kill-server")
        shutil.rmtree(tmp, ignore_errors=True)


def startup():
    first, ready = [], []
    for i in range(args.runs + 1):
        lines = browse(SPEECH)
        ev = {l.split("\t")[0]: float(l.split("\t")[1]) for l in lines
              if not l.startswith("#") and l.split("\t")[0] in ("first-frame", "ready")}
        if "ready" not in ev:
            raise RuntimeError("no 'ready' in the trace")
        if i > 0:
            first.append(ev.get("first-frame", float("nan")) / 1000)
            ready.append(ev["ready"] / 1000)
    m = statistics.median(ready)
    row("startup", "start-up to the first frame with the file list, speech tree",
        fmt_t(ready) + " (first frame %s)" % fmt_t(first), "—", "—", "< 0.5 s",
        "yes" if m < 0.5 else "NO")


def latency():
    lat = []
    for _ in range(max(1, args.runs // 2)):
        lines = browse(SPEECH, keys=300, interval=0.015)
        lat += [float(l.split("\t")[3]) for l in lines if l.startswith("key\t")]
    if not lat:
        raise RuntimeError("no key events in the trace")
    lat.sort()
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    row("latency", "key-to-frame while the background checks run (%d keys)" % len(lat),
        "p99 %.2f ms, median %.2f ms" % (p99, statistics.median(lat)), "—", "—",
        "< 16 ms", "yes" if p99 < 16 else "NO")


def latency_1m():
    """Keys at a million samples, `s` among them: each order by a value
    (loudness, duration, once the background checks have given the first)
    is a sort of a million rows, which must not hold up the frame."""
    lat, sort_lat, shown = [], [], []
    for _ in range(max(1, args.runs // 2)):
        lines = browse(SPEECH1M, keys=120, interval=0.05, settle=3.0, press="sjjj")
        keys = [l.split("\t") for l in lines if l.startswith("key\t")]
        lat += [float(k[3]) for k in keys]
        sort_lat += [float(k[3]) for k in keys if k[2] == "s"]
        sorted_at = [float(l.split("\t")[1]) for l in lines if l.startswith("sorted\t")]
        for k in keys:      # from an `s` to its order on the screen
            later = [t for t in sorted_at if t >= float(k[1])]
            if k[2] == "s" and later:
                shown.append(later[0] - float(k[1]))
    if not lat:
        raise RuntimeError("no key events in the trace")
    lat.sort()
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    row("latency-1m", "key-to-frame at 1,000,000 samples, `s` (sort) among `j` (%d keys, %d sorts; "
        "a sorted order on screen %s after its key, median of %d)" % (
            len(lat), len(sort_lat), "%.0f ms" % statistics.median(shown) if shown else "never",
            len(shown)),
        "p99 %.2f ms, median %.2f ms; `s` p99 %.2f ms" % (
            p99, statistics.median(lat), sorted(sort_lat)[min(len(sort_lat) - 1, int(len(sort_lat) * 0.99))]
            if sort_lat else float("nan")), "—", "—",
        "< 16 ms", "yes" if p99 < 16 else "NO")


def check():
    files = []
    for d in sorted(os.listdir(SPEECH)):
        files += [os.path.join(SPEECH, d, f) for f in sorted(os.listdir(os.path.join(SPEECH, d)))]
    cachedir = tempfile.mkdtemp()
    env = dict(os.environ, XDG_CACHE_HOME=cachedir, XDG_CONFIG_HOME=cachedir)

    def fresh(which):
        if which == 0:
            shutil.rmtree(cachedir, ignore_errors=True)
            os.makedirs(cachedir)
    cat = "find '%s' -type f -print0 | xargs -0 cat > /dev/null" % SPEECH
    ta, tb, r = pair(lambda: run([W, "check", SPEECH], env=env, ok=(0, 1))[0],
                     lambda: run(["sh", "-c", cat])[0], args.runs, setup=fresh)
    m = statistics.median(r)
    row("check", "`winnow check` on the speech tree, warm page cache, first run",
        fmt_t(ta), "cat of all files: " + fmt_t(tb), "%.2f×" % m, "≤ 1.5× cat",
        "yes" if m <= 1.5 else "NO")
    cached = [run([W, "check", SPEECH], env=env, ok=(0, 1))[0] for _ in range(args.runs)]
    row("check-cached", "`winnow check` again, results cached", fmt_t(cached), "—",
        "%.2f× the first run" % (statistics.median(cached) / statistics.median(ta)), "a fraction", "yes"
        if statistics.median(cached) < statistics.median(ta) / 2 else "NO")
    sample = files[::len(files) // 300][:300]
    t0 = time.perf_counter()
    for f in sample:
        subprocess.run(["sox", f, "-n", "stat"], stderr=subprocess.DEVNULL, check=False)
    sox_per = (time.perf_counter() - t0) / len(sample)
    ours = statistics.median(ta) / len(files)
    row("check-sox", "per file: `winnow check` vs `sox FILE -n stat` (300 files)",
        "%.1f µs/file" % (ours * 1e6), "sox: %.2f ms/file" % (sox_per * 1000),
        "%.0f× faster" % (sox_per / ours), "≥ 20× faster", "yes" if sox_per / ours >= 20 else "NO")
    shutil.rmtree(cachedir, ignore_errors=True)


def thumbnail():
    if not args.thumb or not os.path.exists(args.thumb):
        raise RuntimeError("bench/thumb was not built")
    jpgs = []
    for d in sorted(os.listdir(IMAGES)):
        jpgs += [os.path.join(IMAGES, d, f) for f in sorted(os.listdir(os.path.join(IMAGES, d)))
                 if f.endswith(".jpg")]
    jpgs = jpgs[:200]
    ours, ref = [], []
    for i in range(args.runs + 1):
        out = subprocess.run([args.thumb, "40", "20"] + jpgs, capture_output=True, text=True,
                             check=True).stdout.split()
        t0 = time.perf_counter()
        for f in jpgs[:50]:
            subprocess.run(["chafa", "-s", "40x20", f], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=True)
        if i > 0:
            ours.append(statistics.median(float(x) for x in out) / 1000)
            ref.append((time.perf_counter() - t0) / 50)
    r = [b / a for a, b in zip(ours, ref)]
    m = statistics.median(r)
    row("thumbnail", "thumbnail of a 640×480 JPEG at 40×20 cells (decode + chafa cells)",
        fmt_t(ours), "`chafa -s 40x20` per file: " + fmt_t(ref), "%.1f× faster" % m,
        "≥ 5× faster, < 15 ms", "yes" if m >= 5 and statistics.median(ours) < 0.015 else "NO")


PANDAS = """
import sys, pandas as pd
from sklearn.metrics import confusion_matrix
d = pd.read_csv(sys.argv[1])
labels = sorted(set(d['label']) | set(d['pred']))
m = confusion_matrix(d['label'], d['pred'], labels=labels)
print(m.sum())
"""


# What a user would otherwise run on a manifest and a predictions file:
# read both, match the rows by path, count with scikit-learn; printed as
# `winnow confusion` prints, so that both sides can be checked to agree.
MATRIX_TSV = """
print("true\\\\pred\\t" + "\\t".join(labels))
for name, counts in zip(labels, m):
    print(name + "\\t" + "\\t".join(str(c) for c in counts))
"""
CSV_MANIFEST = """
import csv, sys
from sklearn.metrics import confusion_matrix
def read(path, column):
    with open(path, newline="") as f:
        r = csv.reader(f)
        head = next(r)
        p, c = head.index("path"), head.index(column)
        return {row[p]: row[c] for row in r}
label = read(sys.argv[1], "label")
pred = read(sys.argv[2], "pred")
both = [p for p in label if p in pred]
labels = sorted(set(label.values()))
m = confusion_matrix([label[p] for p in both], [pred[p] for p in both], labels=labels)
""" + MATRIX_TSV
# `winnow trend`'s row for one predictions file: accuracy, then each
# class's recall, as winnow prints them.
TREND_TSV = """
from sklearn.metrics import accuracy_score, recall_score
recall = recall_score(y, yhat, labels=labels, average=None, zero_division=0)
print("predictions\\taccuracy\\t" + "\\t".join(labels))
print(sys.argv[2] + "\\t%.4f\\t" % accuracy_score(y, yhat) + "\\t".join("%.4f" % r for r in recall))
"""
CSV_TREND = CSV_MANIFEST.split("m = confusion_matrix")[0] + """
y, yhat = [label[p] for p in both], [pred[p] for p in both]
""" + TREND_TSV
PANDAS_MANIFEST = """
import sys, pandas as pd
from sklearn.metrics import confusion_matrix
d = pd.read_csv(sys.argv[1], usecols=["path", "label"])
p = pd.read_csv(sys.argv[2], usecols=["path", "pred"])
both = d.merge(p, on="path")
labels = sorted(set(d["label"]))
m = confusion_matrix(both["label"], both["pred"], labels=labels)
""" + MATRIX_TSV
PANDAS_TREND = PANDAS_MANIFEST.split("m = confusion_matrix")[0] + """
y, yhat = both["label"], both["pred"]
""" + TREND_TSV


MANIFEST_ROWS = ("index-manifest", "confusion-manifest", "trend-manifest")


def manifest():
    man = os.path.join(SPEECH1M, "manifest.csv")
    pred = os.path.join(C, "pred-1m.csv")
    # winnow remembers the folders whose listing found every file a
    # manifest names (exists.h): each round times a first run, the cache
    # emptied, then a rerun with the folders remembered, each against the
    # same round's reference.
    cache = tempfile.mkdtemp(prefix="winnow-bench-folders-")
    env = dict(os.environ, XDG_CACHE_HOME=cache)

    def first_runs(cmd, into):
        def setup(which):
            if which == 0:
                shutil.rmtree(cache, ignore_errors=True)
                os.makedirs(cache)
                into.append(run(cmd, env=env)[0])
        return setup

    def firsts(cold, tb):
        """The first runs but the warming round's, and their ratios."""
        cold = cold[1:]
        return cold, [c / b for c, b in zip(cold, tb)]

    if want("index-manifest"):
        ours, cold = [W, "stats", man], []
        ta, tb, r = pair(lambda: run(ours, env=env)[0],
                         lambda: run(["sh", "-c", "find '%s' -type f | wc -l" % SPEECH1M])[0],
                         args.runs, setup=first_runs(ours, cold))
        cold, rc = firsts(cold, tb)
        m, mc = statistics.median(r), statistics.median(rc)
        row("index-manifest", "index a 1,000,000-row manifest of speech-1m (`winnow stats`: "
            "each row's file must exist; rerun with the folders remembered, and first run)",
            "%s; first run %s" % (fmt_t(ta), fmt_t(cold)),
            "`find -type f \\| wc -l`: " + fmt_t(tb),
            "%.2f×; first run %.2f×" % (m, mc), "≤ 1.5×", "yes" if max(m, mc) <= 1.5 else "NO")
    py = "/usr/bin/python3"
    for name, what, ours, csv_ref, pandas_ref in (
            ("confusion-manifest", "1M-row manifest + 1M prediction rows → confusion matrix",
             [W, "confusion", "-p", pred, man], CSV_MANIFEST, PANDAS_MANIFEST),
            ("trend-manifest", "1M-row manifest + 1M prediction rows → `winnow trend` "
             "(accuracy, recall of each class)", [W, "trend", man, pred], CSV_TREND, PANDAS_TREND)):
        if not want(name):
            continue
        refs = (("the csv module + scikit-learn", [py, "-c", csv_ref, man, pred], 10),
                ("pandas + scikit-learn", [py, "-c", pandas_ref, man, pred], 8))
        want_out = subprocess.run(ours, capture_output=True, text=True, check=True).stdout
        for ref_name, ref, goal in refs:
            got = subprocess.run(ref, capture_output=True, text=True, check=True).stdout
            if got != want_out:
                raise RuntimeError("%s: %s gives another answer than winnow" % (name, ref_name))
        cells, speed, met, times, colds, met_cold = [], [], True, [], [], True
        for ref_name, ref, goal in refs:
            cold = []
            ta, tb, r = pair(lambda: run(ours, env=env)[0], lambda: run(ref)[0],
                             max(3, args.runs // 2), setup=first_runs(ours, cold))
            cold, rc = firsts(cold, tb)
            times += ta
            colds += cold
            x, xc = 1 / statistics.median(r), 1 / statistics.median(rc)
            cells.append("%s: %s" % (ref_name, fmt_t(tb)))
            speed.append("%.1f× (first run %.1f×) faster than %s" % (
                x, xc, ref_name.split(" +")[0]))
            met = met and x >= goal
            met_cold = met_cold and xc >= goal
        row(name, what + " (the same answer on both sides, checked; rerun with the folders "
            "remembered, and first run)", "%s; first run %s" % (fmt_t(times), fmt_t(colds)),
            "; ".join(cells), ", ".join(speed), "≥ 10× the csv module, ≥ 8× pandas",
            "yes" if met and met_cold else "rerun yes, first run NO" if met else "NO")
    shutil.rmtree(cache, ignore_errors=True)


def predictions():
    pred = os.path.join(C, "pred-1m.csv")
    labelled = os.path.join(C, "pred-1m-labelled.csv")
    ta, tb, r = pair(lambda: run([W, "confusion", "-p", pred, SPEECH1M])[0],
                     lambda: run(["/usr/bin/python3", "-c", PANDAS, labelled])[0],
                     max(3, args.runs // 2))
    idx = [run([W, "stats", SPEECH1M])[0] for _ in range(3)]
    m = statistics.median(r)
    row("confusion", "1M prediction rows × 35 probabilities → confusion matrix "
        "(includes indexing 1M files: %s)" % fmt_t(idx), fmt_t(ta),
        "pandas + scikit-learn: " + fmt_t(tb), "%.1f× faster" % (1 / m), "≥ 10× faster",
        "yes" if 1 / m >= 10 else "NO")


# What a user would otherwise run on the same TensorBoard files: pandas to
# read them, scikit-learn's PCA (its defaults), KMeans and NearestNeighbors,
# numpy for the rest; the same sums as src/model/embed.c and embed-knn.c,
# and their findings in winnow's words.
SKLEARN_EMBED = """
import sys, numpy as np, pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors
x = pd.read_csv(sys.argv[1], sep="\\t", header=None, dtype=np.float32).to_numpy()
meta = pd.read_csv(sys.argv[2], sep="\\t")
proj = PCA(n_components=64, random_state=0).fit_transform(x)
labels, label = np.unique(meta["label"].to_numpy(), return_inverse=True)
outlier = np.full(len(x), np.nan)
for k, name in enumerate(labels):
    rows = np.flatnonzero(label == k)
    n = len(rows)
    d = np.linalg.norm(x[rows] - x[rows].mean(axis=0, dtype=np.float64), axis=1)
    spread = np.sqrt(np.mean(d ** 2))
    if n >= 5 and spread > 0:
        outlier[rows] = d / spread
    core = ~(outlier[rows] >= 2.5)
    m = min(max(n // 10, 1), 8, proj.shape[1])
    q = PCA(n_components=min(max(m, 2), proj.shape[1])).fit(proj[rows][core]).transform(proj[rows])
    if n < 40:
        continue
    qc = q[core, :m]
    km = KMeans(n_clusters=2, n_init=4, max_iter=100, random_state=0)
    km.fit(qc[::-(-len(qc) // 4096)])
    u = km.cluster_centers_[1] - km.cluster_centers_[0]
    delta = np.linalg.norm(u)
    g, t = km.predict(qc), qc @ (u / delta)
    ss = sum(((t[g == j] - t[g == j].mean()) ** 2).sum() for j in (0, 1) if (g == j).any())
    split = delta / max(np.sqrt(ss / len(qc)), delta * 1e-6)
    sizes = np.bincount(km.predict(q[:, :m]), minlength=2)
    if split >= 4.5 and sizes.min() >= 0.05 * n:
        print("%s/\\tcluster-split\\tsplit score %.2f >= 4.5: groups of %d and %d"
              % (name, split, sizes[0], sizes[1]))
# Each row's 10 nearest others on the same coordinates (itself dropped,
# wherever an exact copy puts it), as cleanlab's Datalab takes them. PCA's
# default solver here is randomized: its last components, and so the k-NN
# scores, stray by up to 0.4 from an exact PCA's (which gives winnow's to
# the 0.01 printed); the findings are the same.
k, n = 10, len(x)
dist, idx = NearestNeighbors(n_neighbors=k + 1).fit(proj).kneighbors(proj)
other = idx != np.arange(n)[:, None]
other[other.all(axis=1), -1] = False
dist, idx = dist[other].reshape(n, k), idx[other].reshape(n, k)
med = max(np.median(dist[:, 0]), 1e-6)
paths = meta["path"].to_numpy()
near = {}
for i, t in zip(*np.nonzero(dist < 0.13 * med)):
    near.setdefault(i, {})[idx[i, t]] = dist[i, t]
    near.setdefault(idx[i, t], {})[i] = dist[i, t]
for i in sorted(near):
    by = sorted(near[i].items(), key=lambda jd: (jd[1], jd[0]))
    for check, j in (("near-duplicate", next((j for j, d in by if label[j] == label[i] and paths[j] < paths[i]), None)),
                     ("label-conflict", next((j for j, d in by if label[j] != label[i]), None))):
        if j is not None:
            print("%s\\t%s\\tnear copy by embeddings of %s%s (distance %.3g < 0.13 × median %.3g)"
                  % (paths[i], check, paths[j], ", labelled " + labels[label[j]] if label[j] != label[i] else "",
                     near[i][j], med))
knn = dist.mean(axis=1) / np.median(dist.mean(axis=1))
for i in np.flatnonzero((outlier >= 2.5) | (knn >= 2)):
    rules = []
    if outlier[i] >= 2.5:
        rules.append("%.2f spreads from the centre of %s >= 2.5" % (outlier[i], labels[label[i]]))
    if knn[i] >= 2:
        rules.append("k-NN distance %.2f× the dataset's median >= 2 (k = 10)" % knn[i])
    print("%s\\tcluster-outlier\\t%s" % (paths[i], "; ".join(rules)))
"""


def cluster_findings(path):
    """{(path, check): scores} of the embeddings' findings in winnow check's
    output: the split score; an outlier's centre and k-NN scores (None where
    its rule is silent); a near copy's distance."""
    found = {}
    for line in open(path):
        p, check, detail = line.rstrip("\n").split("\t")
        if check == "cluster-split":
            found[(p, check)] = (float(detail.split()[2]),)
        elif check == "cluster-outlier":
            centre = re.search(r"([0-9.]+) spreads", detail)
            knn = re.search(r"k-NN distance ([0-9.]+)×", detail)
            found[(p, check)] = tuple(float(m.group(1)) if m else None for m in (centre, knn))
        elif "by embeddings" in detail:
            found[(p, check)] = (float(re.search(r"distance ([0-9.e+-]+) <", detail).group(1)),)
    return found


def embeddings():
    vectors = os.path.join(EMBED_VECTORS, "vectors.tsv")
    metadata = os.path.join(EMBED_VECTORS, "metadata.tsv")
    home = tempfile.mkdtemp()
    # Its own cache of the file checks, kept warm: the files are empty and
    # the measure is the embeddings, not the other checks.
    env = dict(os.environ, XDG_CACHE_HOME=home, XDG_CONFIG_HOME=home)
    ours = [W, "check", "-e", vectors, EMBED]
    ref = ["/usr/bin/python3", "-c", SKLEARN_EMBED, vectors, metadata]
    # Both must find the same things, or the times compare nothing; this
    # first round also warms the caches.
    outs = [os.path.join(home, "winnow.out"), os.path.join(home, "ref.out")]
    for cmd, out, ok in ((ours, outs[0], (0, 1)), (ref, outs[1], (0,))):
        with open(out, "w") as f:
            run(cmd, env=env, ok=ok, stdout=f)
    a, b = cluster_findings(outs[0]), cluster_findings(outs[1])
    if set(a) != set(b):
        agree = "findings DIFFER: %d only winnow's, %d only the reference's" % (
            len(set(a) - set(b)), len(set(b) - set(a)))
    else:
        splits = sorted(k[0] for k in a if k[1] == "cluster-split")
        outl = [k for k in a if k[1] == "cluster-outlier"]
        near = len(a) - len(splits) - len(outl)
        worst = max([abs(u - v) for k in outl for u, v in zip(a[k], b[k])
                     if u is not None and v is not None] + [0])
        agree = ("the same findings: %d outliers (%d by both rules, %d by k-NN alone; scores %s), "
                 "%d near copies, split %s (scores %s)") % (
            len(outl), sum(None not in a[k] for k in outl), sum(a[k][0] is None for k in outl),
            "within %.2f" % worst if worst else "equal to the 0.01 printed", near,
            ", ".join(splits) or "none",
            ", ".join("%.2f vs %.2f" % (a[(p, "cluster-split")][0], b[(p, "cluster-split")][0])
                      for p in splits))
    wr, rr = [], []
    load = [os.getloadavg()[0]]
    for _ in range(args.runs):
        for cmd, out, ok in ((ours, wr, (0, 1)), (ref, rr, (0,))):
            out.append(run(cmd, env=env, ok=ok))
        load.append(os.getloadavg()[0])
    base = [run([W, "check", EMBED], env=env, ok=(0, 1)).seconds for _ in range(3)]
    shutil.rmtree(home, ignore_errors=True)

    def cell(rs):
        return "%s wall, %s CPU, peak RSS %.0f MB" % (
            fmt_t([r.seconds for r in rs]), fmt_t([r.cpu for r in rs]),
            statistics.median(r.rss for r in rs) / 1e6)
    m = statistics.median(y.seconds / x.seconds for x, y in zip(wr, rr))
    mc = statistics.median(y.cpu / x.cpu for x, y in zip(wr, rr))
    log("embed: load average %.1f–%.1f" % (min(load), max(load)))
    row("embed", "embeddings, 100,000 × 512 (TensorBoard TSV, %.0f MB) → PCA to 64 components, "
        "k-means (k = 2) split and outlier scores, k-NN (k = 10) near copies and outliers, "
        "`winnow check -e` end to end (of it, indexing "
        "and the cached file checks: %s); %s" % (os.path.getsize(vectors) / 1e6, fmt_t(base), agree),
        cell(wr), "pandas + scikit-learn: " + cell(rr),
        "%.1f× faster (CPU %.1f×)" % (m, mc), "≥ 5× faster", "yes" if m >= 5 else "NO")


def q(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def apply_(n):
    work = os.path.join(C, "apply-work")
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(["cp", "-al", SPEECH, work], check=True)
    # The browser rows leave the dataset's own .winnow folder behind.
    shutil.rmtree(os.path.join(work, ".winnow"), ignore_errors=True)
    labels = sorted(d for d in os.listdir(work) if not d.startswith("."))
    moves = []
    for li, d in enumerate(labels):
        for f in sorted(os.listdir(os.path.join(work, d))):
            moves.append((d, f, labels[(li + 1) % len(labels)]))
    # Every n-th file, so that each size moves files of every label.
    step = max(1, len(moves) // n)
    moves = moves[::step][:n]
    journal = os.path.join(C, "apply-journal.yaml")
    now = datetime.datetime.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    with open(journal, "w") as j:
        j.write("---\nwinnow-journal: 1\ndataset: %s\nlayout: folders\ncreated: %s\n" % (q(work), now))
        for i, (d, f, to) in enumerate(moves, 1):
            sha = hashlib.sha256(open(os.path.join(work, d, f), "rb").read()).hexdigest()
            j.write("---\nid: %d\nop: relabel\npath: %s\nlabel: %s\nto: %s\nsha256: %s\n"
                    "at: %s\nby: \"bench\"\n" % (i, q(d + "/" + f), q(d), q(to), sha, now))
    fwd = "".join("%s/%s\t%s/%s\n" % (d, f, to, f) for d, f, to in moves)
    back = "".join("%s/%s\t%s/%s\n" % (to, f, d, f) for d, f, to in moves)
    # One mv process a file takes minutes for 100,000: time 2,000 and scale.
    mv_n = min(2000, len(moves))
    mv_fwd = "".join("mv -n '%s/%s' '%s/%s'\n" % (d, f, to, f) for d, f, to in moves[:mv_n])
    mv_back = "".join("mv -n '%s/%s' '%s/%s'\n" % (to, f, d, f) for d, f, to in moves[:mv_n])
    renames = os.path.join(C, "renames")
    subprocess.run(["cc", "-O2", "-o", renames, os.path.join(os.path.dirname(__file__), "renames.c")],
                   check=True)
    floor = os.path.join(C, "sha-floor")
    subprocess.run(["cc", "-O2", "-o", floor, os.path.join(os.path.dirname(__file__), "sha-floor.c"),
                    "-lcrypto"], check=True)
    appl, bare, mvs, bare_cpu, sha_cpu = [], [], [], [], []
    for i in range(max(2, args.runs // 2) + 1):
        t0 = time.perf_counter()
        p = subprocess.run([W, "apply", journal], capture_output=True, text=True, cwd=work)
        t = time.perf_counter() - t0
        if p.returncode != 0:
            raise RuntimeError("apply exited %d: %s" % (p.returncode, p.stderr.strip()[-300:]))
        record = [l for l in (p.stdout + p.stderr).split() if "/.winnow/applied/" in l]
        if not record:
            raise RuntimeError("apply printed no record path")
        u = subprocess.run([W, "apply", "--undo", record[-1].strip("'\":,")], capture_output=True,
                           text=True)
        if u.returncode != 0:
            raise RuntimeError("undo exited %d: %s" % (u.returncode, u.stderr.strip()[-300:]))
        shutil.rmtree(os.path.join(work, ".winnow"), ignore_errors=True)
        with open(os.path.join(C, "apply-fwd"), "w") as f:
            f.write(fwd)
        with open(os.path.join(C, "apply-fwd")) as f:
            h = run([floor], stdin=f, cwd=work)
        with open(os.path.join(C, "apply-fwd")) as f:
            r_ = run([renames], stdin=f, cwd=work)
        tb = r_.seconds
        subprocess.run([renames], input=back, text=True, cwd=work, check=True)
        t0 = time.perf_counter()
        subprocess.run(["sh"], input=mv_fwd, text=True, cwd=work, check=True)
        tm = (time.perf_counter() - t0) * len(moves) / mv_n
        subprocess.run(["sh"], input=mv_back, text=True, cwd=work, check=True)
        if i > 0:
            appl.append(t)
            bare.append(tb)
            mvs.append(tm)
            bare_cpu.append(r_.cpu)
            sha_cpu.append(h.cpu)
    r = [a / b for a, b in zip(appl, bare)]
    m = statistics.median(r)
    # The least apply can take: the check's CPU and the renames' together,
    # spread over every core with nothing else to do, and never less than
    # the renames alone (a move between folders takes the file system's
    # rename lock, so they run one at a time).
    cores = os.cpu_count() or 1
    sc, bc = statistics.median(sha_cpu), statistics.median(bare_cpu)
    best = max(bc, (sc + bc) / cores) / bc
    row("apply" if n == 100000 else "apply-%dk" % (n // 1000),
        "`winnow apply` of {:,} relabels (sha256 checked, record written)".format(len(moves)),
        fmt_t(appl), "rename(2) loop: %s; `mv` loop: %s (scaled from {:,})".format(mv_n)
        % (fmt_t(bare), fmt_t(mvs)),
        "%.2f× bare renames, %.1f× faster than mv; the check alone (open, read, sha256, close: "
        "%s CPU against the renames' %s) puts the floor, fully overlapped, at %.2f× on %d cores"
        % (m, statistics.median(mvs) / statistics.median(appl), fmt_t(sha_cpu), fmt_t(bare_cpu),
           best, cores),
        "≤ 2× bare renames", "yes" if m <= 2 else "NO")
    shutil.rmtree(work, ignore_errors=True)


def journal_read():
    """winnow's own reader of the documents it writes against libyaml's alone,
    on a journal of 100,000 decisions as the browser writes them. Both must
    read the same entries; the own reader earns its code only by speed."""
    if not args.journal:
        raise RuntimeError("no --journal program")
    path = os.path.join(C, "journal-100k.yaml")
    if not os.path.exists(path):
        ops = ("relabel", "delete", "accept", "flag")
        with open(path + ".tmp", "w") as j:
            j.write('---\nwinnow-journal: 2\ndataset: "/data/speech"\nlayout: folders\n'
                    "created: 2026-11-27T21:00:00Z\n...\n")
            for i in range(1, 100001):
                op = ops[i % 4]
                path_ = "label%02d/%08x_nohash_%d.wav" % (i % 35, i * 2654435761 % 2**32, i % 5)
                j.write('---\nid: %d\nop: %s\npath: "%s"\nlabel: "label%02d"\n' % (i, op, path_, i % 35))
                if op == "relabel":
                    j.write('to: "label%02d"\n' % ((i + 1) % 35))
                j.write("sha256: %s\nat: 2026-11-27T21:%02d:%02dZ\nby: \"bench\"\n"
                        % (hashlib.sha256(path_.encode()).hexdigest(), i // 60 % 60, i % 60))
                if i % 10 == 0:
                    j.write("reason: quiet\n")
                j.write("...\n")
        os.rename(path + ".tmp", path)

    def read(libyaml):
        out = subprocess.run([args.journal] + (["--libyaml"] if libyaml else []) + [path],
                             capture_output=True, text=True, check=True).stdout.split()
        return " ".join(out[:6]), float(out[7]), float(out[9])
    own, lib = read(False)[0], read(True)[0]
    if own != lib:
        raise RuntimeError("the readers disagree: %s / %s" % (own, lib))
    to, tl, co, cl = [], [], [], []
    for i in range(args.runs + 1):
        a, b = read(False), read(True)
        if i > 0:
            to.append(a[1])
            tl.append(b[1])
            co.append(a[2])
            cl.append(b[2])
    m = statistics.median([b / a for a, b in zip(to, tl)])
    mc = statistics.median([b / a for a, b in zip(co, cl)])
    row("journal", "read a journal of 100,000 decisions ({:,} entries, the same from both "
        "readers)".format(int(own.split()[1])),
        "own reader: %s, CPU %s" % (fmt_t(to), fmt_t(co)),
        "libyaml alone: %s, CPU %s" % (fmt_t(tl), fmt_t(cl)),
        "%.1f× faster (CPU %.1f×)" % (m, mc),
        "≥ 2× faster, or drop the own reader", "yes" if m >= 2 else "NO")


def neardup_runs(arg, *keys):
    """bench/neardup ARG, a warm-up and args.runs counted runs: the first
    line's "name value" pairs of the last run, and of the counted runs the
    seconds, CPU seconds, peak RSS in bytes and each of keys' values."""
    times, cpus, rss, extra = [], [], [], {k: [] for k in keys}
    for i in range(args.runs + 1):
        p = subprocess.Popen([args.neardup, arg], stdout=subprocess.PIPE)
        f = p.stdout.readline().decode().split()
        p.stdout.read()
        p.stdout.close()
        _, status, ru = os.wait4(p.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError("bench/neardup failed")
        v = dict(zip(f[0::2], f[1::2]))
        if i > 0:
            times.append(float(v["seconds"]))
            cpus.append(float(v["cpu"]))
            rss.append(ru.ru_maxrss * 1024)
            for k in keys:
                extra[k].append(float(v[k]))
    return v, times, cpus, rss, extra


def neardup():
    """near_find over 1,000,000 picture fingerprints, a hundredth of them
    planted copies, against the all-pairs comparison it replaces."""
    if not args.neardup:
        raise RuntimeError("no --neardup program")
    n = 1000000
    v, times, cpus, rss, extra = neardup_runs(str(n), "allpairs")
    brute = extra["allpairs"]
    m = statistics.median(times)
    row("neardup", "near-copy search on {:,} picture fingerprints ({:,} pairs; {} of {} "
        "planted copies found)".format(n, int(v["pairs"]), v["found"], v["planted"]),
        "%s, CPU %s, peak RSS %.0f MB" % (fmt_t(times), fmt_t(cpus), statistics.median(rss) / 1e6),
        "all pairs (Hamming distance only, one thread, scaled from 200 rows): %.0f s"
        % statistics.median(brute),
        "%.0f× faster" % (statistics.median(brute) / m),
        "seconds, not hours", "yes" if m < 60 else "NO")


def neardup_speech():
    """The near-copy stage of `winnow check` on the speech tree: near_find
    over the fingerprints check takes (from a partial file of the whole tree,
    as --merge reads them), with the pairs it finds."""
    if not args.neardup:
        raise RuntimeError("no --neardup program")
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp)
        part = os.path.join(tmp, "speech.part")
        run([W, "check", "--shard", "1/1", "-o", part, SPEECH], env=env)
        v, times, cpus, rss, _ = neardup_runs(part)
    m = statistics.median(times)
    row("neardup-speech", "near-copy stage of check on the speech tree ({:,} clips; {:,} "
        "pairs found)".format(int(v["fingerprints"]), int(v["pairs"])),
        "%s, CPU %s, peak RSS %.0f MB (with the fingerprints)"
        % (fmt_t(times), fmt_t(cpus), statistics.median(rss) / 1e6),
        "", "", "seconds", "yes" if m < 60 else "NO")


def merge_1m():
    """`winnow check --merge` of 16 parts of the million-sample tree (the
    speech tree's clips ten times over), beside one run of check over the
    whole tree with its measures cached as the parts' were: the work left
    to the merge. Both must print the same bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=tmp, XDG_CONFIG_HOME=tmp)
        parts = []
        for i in range(1, 17):
            parts.append(os.path.join(tmp, "part%02d" % i))
            run([W, "check", "--shard", "%d/16" % i, "-o", parts[-1], SPEECH1M], env=env, ok=(0, 1))
        size = sum(os.path.getsize(p) for p in parts)
        outs = {}
        for name, cmd in (("merge", [W, "check", "--merge"] + parts + [SPEECH1M]),
                          ("one", [W, "check", SPEECH1M])):
            with open(os.path.join(tmp, name + ".out"), "w") as f:
                run(cmd, env=env, ok=(0, 1), stdout=f)
            outs[name] = open(os.path.join(tmp, name + ".out"), "rb").read()
        if outs["merge"] != outs["one"]:
            raise RuntimeError("the merge and one run printed different findings")
        lines = outs["merge"].count(b"\n")
        del outs
        merged, one = [], []
        for i in range(args.runs + 1):
            a = run([W, "check", "--merge"] + parts + [SPEECH1M], env=env, ok=(0, 1))
            b = run([W, "check", SPEECH1M], env=env, ok=(0, 1))
            if i > 0:
                merged.append(a)
                one.append(b)
    m = statistics.median(r.seconds for r in merged)
    row("merge-1m", "`winnow check --merge` of 16 parts of the 1,000,000-sample tree "
        "(%.0f MB of parts; {:,} findings, the same bytes as one run)".format(lines) % (size / 1e6),
        "%s, CPU %s, peak RSS %.0f MB" % (fmt_t([r.seconds for r in merged]),
                                          fmt_t([r.cpu for r in merged]),
                                          statistics.median(r.rss for r in merged) / 1e6),
        "one run of check, measures cached: %s, peak RSS %.0f MB"
        % (fmt_t([r.seconds for r in one]), statistics.median(r.rss for r in one) / 1e6),
        "%.2f×" % (m / statistics.median(r.seconds for r in one)),
        "seconds, in memory", "yes" if m < 60 else "NO")


load_before = os.getloadavg()[0]
guarded("index", "index the speech tree", "≤ 1.5×", index)
guarded("memory", "memory per sample", "≤ 100 B", memory)
guarded("startup", "start-up to first frame", "< 0.5 s", startup)
guarded("latency", "key-to-frame p99", "< 16 ms", latency)
guarded("latency-1m", "key-to-frame p99 at 1M samples", "< 16 ms", latency_1m)
guarded("check", "winnow check", "≤ 1.5× cat", check)
guarded("thumbnail", "thumbnail", "≥ 5×", thumbnail)
guarded("confusion", "1M predictions", "≥ 10×", predictions)
guarded("index-manifest", "1M-row manifest", "≤ 1.5×, ≥ 10×", manifest, MANIFEST_ROWS)
guarded("embed", "embeddings 100k × 512", "≥ 5×", embeddings)
guarded("apply-10k", "apply 10k relabels", "≤ 2× bare", lambda: apply_(10000))
guarded("apply", "apply 100k relabels", "≤ 2× bare", lambda: apply_(100000))
guarded("journal", "read a 100k-decision journal", "≥ 2×", journal_read)
guarded("neardup", "near-copy search, 1M fingerprints", "seconds, not hours", neardup)
guarded("neardup-speech", "near-copy stage of check, 105k clips", "seconds", neardup_speech)
guarded("merge-1m", "check --merge of 16 parts, 1M samples", "seconds", merge_1m)
import rows_audio  # noqa: E402 (its rows use the helpers above)
guarded("waveform", "waveform of a 1-second clip", "< 2 ms", rows_audio.waveform)
guarded("playback", "Space to sound", "< 50 ms", rows_audio.playback)
guarded("review", "decision key to the next clip's sound", "< 50 ms", rows_audio.review)

cpu = "?"
for line in open("/proc/cpuinfo"):
    if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
head = "| row | what | winnow | reference | ratio | goal | met |\n|---|---|---|---|---|---|---|\n"
table = head + "".join("| %s |\n" % " | ".join(r) for r in rows)
print("\n" + table)
if args.results and not args.only:
    with open(args.results, "w") as f:
        f.write("# make bench — results\n\n")
        f.write("Run on %s UTC, on %d cores (%s), %s, Linux %s; %d runs per figure "
                "(median, with min–max) after a warm-up.\n\n" % (
                    datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), os.cpu_count(),
                    cpu, platform.machine(), platform.release(), args.runs))
        f.write("Load average (1 min) %.1f before the run and %.1f after: on a busy machine\n"
                "the absolute times stretch, and single-process ratios less so.\n\n" % (
                    load_before, os.getloadavg()[0]))
        f.write(table)
        f.write("\nRatios are taken pair by pair in the same run. Data: bench/gen-data.py.\n")
    log("wrote", args.results)
