#!/usr/bin/python3
"""Make the benchmark data of `make bench` once, into a cache folder.

  speech/      105,829 one-second 16 kHz WAVs under 35 labels (Speech Commands
               size): each word said by espeak-ng in 8 voices at 50 pitches,
               each take at up to 8 paces 3 % apart (0.88-1.12), shifted,
               under a tone and noise of the file's own, at a gain of its
               own: `winnow check` finds near copies among 0.26 % of them
               (277), takes whose pitch and pace come out at one voice's
               same tone, where the old gain-scaled copies gave 12.7 %
  speech-1m/   1,000,000 hard links to those files under 35 labels (memory per
               sample, 1M-row confusion matrix)
  images/      10,000 640x480 images (JPEG and PNG), hard links to 100 made
               with ImageMagick
  pred-1m.csv  1,000,000 prediction rows for speech-1m, 35 probability columns
  pred-1m-labelled.csv  the same with the true label, for pandas + scikit-learn
  speech-1m/manifest.csv  the 1,000,000 files of speech-1m as a manifest (path,
               label), in the order they were made, not by folder
  embed/       100,000 empty sample files under the 35 labels, for embeddings
  embed-vectors/  TensorBoard projector files for embed/: vectors.tsv
               (100,000 rows of 512 numbers) and metadata.tsv (path, label);
               outside embed/ so that `winnow check embed` alone reads none

Usage: gen-data.py CACHE_DIR   (each part is skipped when its stamp exists)
"""
import os
import subprocess
import sys
import wave

import numpy as np

WORDS = ("backward bed bird cat dog down eight five follow forward four go happy "
         "house learn left marvin nine no off on one right seven sheila six stop "
         "three tree two up visual wow yes zero").split()
VOICES = ["en", "en-us", "en-gb-scotland", "en-gb-x-rp", "en+m3", "en+f2", "en+f4", "en+m7"]
N_SPEECH = 105829
N_1M = 1000000
N_IMAGES = 10000
RATE = 16000


def log(*a):
    print("gen-data:", *a, file=sys.stderr, flush=True)


def done(cache, part):
    return os.path.exists(os.path.join(cache, "." + part + ".done"))


def mark(cache, part):
    open(os.path.join(cache, "." + part + ".done"), "w").close()


PITCHES = 50          # espeak-ng pitches a voice speaks each word at, 2 apart
PACES = 8             # paces each of those takes is made at, 3 % apart


def espeak_take(job):
    """One word spoken by espeak-ng in a voice at a pitch, as 16 kHz float
    samples (espeak-ng writes 22,050 Hz; linear interpolation is enough
    for a file to be read and checked)."""
    import io
    word, voice, pitch = job
    raw = subprocess.run(["espeak-ng", "-v", voice, "-p", str(pitch), "--stdout", word],
                         capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(raw)) as f:
        rate = f.getframerate()
        a = np.frombuffer(f.readframes(f.getnframes()), dtype="<i2").astype(np.float32)
    t = np.arange(int(len(a) * RATE / rate)) * rate / RATE
    return np.interp(t, np.arange(len(a)), a).astype(np.float32)


def write_wav(path, samples):
    with wave.open(path, "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(RATE)
        f.writeframes(samples.astype("<i2").tobytes())


def own_take(clip, pace, rng):
    """A take as a file of its own: at a pace (its pitch and speed), shifted,
    under a tone half as strong as the speech and noise, at a gain, the
    last three from rng. Takes of one voice at one pitch are near copies
    of each other (winnow check's near-duplicate) within about 1 % of
    pace, and no longer 2 % apart, so the paces are 3 % apart."""
    t = np.arange(RATE) * pace
    x = np.interp(t, np.arange(len(clip)), clip, right=0.0)
    shift = int(rng.integers(0, RATE // 10))
    x = np.concatenate([np.zeros(shift), x[:RATE - shift]])
    level = 0.5 * np.sqrt(np.mean(x ** 2))
    tone = np.sqrt(2) * level * np.sin(2 * np.pi * (150 + 2850 * rng.random()) * np.arange(RATE) / RATE
                                       + 2 * np.pi * rng.random())
    s = (x + tone) * (0.4 + 0.6 * rng.random()) + rng.normal(0, 30, RATE)
    return np.clip(s, -32768, 32767).astype(np.float32)


def speech(cache):
    """Each word in 8 voices at 50 pitches, each of those 400 takes at up to
    8 paces: every file a take of its own. espeak-ng says a vowel with the
    same waveform in any word ("tree", "three"), so neighbouring words use
    the odd and even pitches and paces half a step apart."""
    from multiprocessing import Pool
    root = os.path.join(cache, "speech")
    rng = np.random.default_rng(1)
    per = [N_SPEECH // len(WORDS) + (1 if i < N_SPEECH % len(WORDS) else 0)
           for i in range(len(WORDS))]
    n = 0
    with Pool(os.cpu_count() or 1) as pool:
        for wi, w in enumerate(WORDS):
            d = os.path.join(root, w)
            os.makedirs(d, exist_ok=True)
            takes = pool.map(espeak_take, [(w, v, 2 * p + wi % 2) for p in range(PITCHES)
                                           for v in VOICES], chunksize=16)
            for k in range(per[wi]):
                base = k % len(takes)
                pace = 0.88 + 0.03 * (k // len(takes) % PACES) + 0.015 * (wi % 2)
                speaker = "%08x" % ((wi * 7919 + k // 3) * 2654435761 % (1 << 32))
                s = own_take(takes[base], pace, rng)
                write_wav(os.path.join(d, "%s_nohash_%d.wav" % (speaker, k % 3)), s)
                n += 1
                if n % 10000 == 0:
                    log("speech %d/%d" % (n, N_SPEECH))
    mark(cache, "speech")


def speech_1m(cache):
    src = os.path.join(cache, "speech")
    root = os.path.join(cache, "speech-1m")
    files = []
    for w in WORDS:
        files += [(w, os.path.join(src, w, f)) for f in sorted(os.listdir(os.path.join(src, w)))]
    rng = np.random.default_rng(2)
    probs_rows = []
    with open(os.path.join(cache, "pred-1m.csv"), "w") as pred, \
         open(os.path.join(cache, "pred-1m-labelled.csv"), "w") as lab:
        head = ",".join("p_" + w for w in WORDS)
        pred.write("path,pred," + head + "\n")
        lab.write("path,label,pred," + head + "\n")
        for w in WORDS:
            os.makedirs(os.path.join(root, w), exist_ok=True)
        for i in range(N_1M):
            w, f = files[i % len(files)]
            rel = "%s/%07d.wav" % (w, i)
            os.link(f, os.path.join(root, rel))
            # A pseudo-model: right 85% of the time, confused with the next word.
            true = WORDS.index(w)
            p = rng.dirichlet(np.ones(len(WORDS)) * 0.3)
            top = true if rng.random() < 0.85 else (true + 1) % len(WORDS)
            p = 0.3 * p
            p[top] += 0.7
            cells = ",".join("%.4f" % x for x in p)
            pred.write("%s,%s,%s\n" % (rel, WORDS[top], cells))
            lab.write("%s,%s,%s,%s\n" % (rel, w, WORDS[top], cells))
            if (i + 1) % 100000 == 0:
                log("speech-1m %d/%d" % (i + 1, N_1M))
    mark(cache, "speech-1m")


def manifest_1m(cache):
    root = os.path.join(cache, "speech-1m")
    rows = []
    for w in sorted(os.listdir(root)):
        if os.path.isdir(os.path.join(root, w)):
            rows += [(f, w) for f in os.listdir(os.path.join(root, w))]
    rows.sort()
    with open(os.path.join(root, "manifest.csv.tmp"), "w") as m:
        m.write("path,label\n")
        m.writelines("%s/%s,%s\n" % (w, f, w) for f, w in rows)
    os.rename(os.path.join(root, "manifest.csv.tmp"), os.path.join(root, "manifest.csv"))
    mark(cache, "manifest-1m")


def images(cache):
    root = os.path.join(cache, "images")
    base = os.path.join(cache, "image-base")
    os.makedirs(base, exist_ok=True)
    made = []
    for i in range(100):
        ext = "png" if i % 5 == 0 else "jpg"
        out = os.path.join(base, "b%03d.%s" % (i, ext))
        if not os.path.exists(out):
            subprocess.run(["/usr/bin/convert", "-size", "640x480", "-seed", str(i),
                            "plasma:", "-blur", "0x1", out], check=True)
        made.append((ext, out))
    for c in range(10):
        os.makedirs(os.path.join(root, "class%d" % c), exist_ok=True)
    for i in range(N_IMAGES):
        ext, f = made[i % len(made)]
        os.link(f, os.path.join(root, "class%d" % (i % 10), "%05d.%s" % (i, ext)))
    mark(cache, "images")


N_EMBED = 100000
EMBED_DIM = 512
EMBED_SPLIT = "bird"


def embeddings(cache):
    """A network's embeddings as a user would export them for TensorBoard's
    projector: 35 classes around their own centres, a within-class spread
    that falls off over the dimensions (as real embeddings' does, so the top
    components are well defined), one class ("bird") holding a second group
    a third of its size, and one row in 97 elsewhere moved 6 class radii
    away (the outliers). Numbers as text with 4 decimals."""
    root = os.path.join(cache, "embed")
    out = os.path.join(cache, "embed-vectors")
    os.makedirs(out, exist_ok=True)
    for w in WORDS:
        os.makedirs(os.path.join(root, w), exist_ok=True)
    rng = np.random.default_rng(3)
    dim = EMBED_DIM

    def direction(length):
        v = rng.normal(size=dim)
        return v * (length / np.linalg.norm(v))
    scale = (1 + np.arange(dim) / 16) ** -0.5
    radius = np.sqrt((scale ** 2).sum())
    centres = np.array([direction(3 * np.sqrt(dim)) for _ in WORDS])
    second = direction(radius)
    split = WORDS.index(EMBED_SPLIT)
    chunk = 5000
    with open(os.path.join(out, "vectors.tsv"), "w") as vec, \
         open(os.path.join(out, "metadata.tsv"), "w") as meta:
        meta.write("path\tlabel\n")
        for i0 in range(0, N_EMBED, chunk):
            i = np.arange(i0, min(N_EMBED, i0 + chunk))
            k = i % len(WORDS)
            x = centres[k] + rng.normal(size=(len(i), dim)) * scale
            x[(k == split) & ((i // len(WORDS)) % 3 == 0)] += second
            far = (i % 97 == 32) & (k != split)
            x[far] += np.array([direction(6 * radius) for _ in range(far.sum())]).reshape(-1, dim)
            np.savetxt(vec, x, fmt="%.4f", delimiter="\t")
            for ii, kk in zip(i, k):
                rel = "%s/%06d.wav" % (WORDS[kk], ii)
                open(os.path.join(root, rel), "w").close()
                meta.write("%s\t%s\n" % (rel, WORDS[kk]))
    mark(cache, "embed")


def main():
    cache = sys.argv[1]
    os.makedirs(cache, exist_ok=True)
    for part, fn in (("speech", speech), ("speech-1m", speech_1m), ("manifest-1m", manifest_1m),
                     ("images", images), ("embed", embeddings)):
        if not done(cache, part):
            log("making", part, "in", cache)
            fn(cache)


main()
