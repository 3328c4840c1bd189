"""Emoji dataset: 64px Noto emoji images from the emoji-datasource-google npm package.

Images (Apache-2.0, Google Noto Emoji) are composited on white. Each image gets a set
of candidate captions built from the name, the short names, and the subcategory.
The cache work/dataset.npz holds uint8 images [N,64,64,3] plus JSON metadata.
"""
import json
import os
import random

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, "work")
PKG = os.path.join(WORK, "package")
CACHE = os.path.join(WORK, "dataset.npz")  # always under tools/train/work

SKIN = {
    "1F3FB": "light skin tone",
    "1F3FC": "medium-light skin tone",
    "1F3FD": "medium skin tone",
    "1F3FE": "medium-dark skin tone",
    "1F3FF": "dark skin tone",
}


def _load_png(path):
    from PIL import Image
    im = Image.open(path).convert("RGBA")
    if im.size != (64, 64):
        im = im.resize((64, 64), Image.LANCZOS)
    bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
    return np.asarray(Image.alpha_composite(bg, im).convert("RGB"), dtype=np.uint8)


def _clean(s):
    return s.replace("_", " ").replace("-", " ").strip().lower()


def build():
    emoji = json.load(open(os.path.join(PKG, "emoji.json"), encoding="utf-8"))
    imgs, meta = [], []
    for e in emoji:
        if not e.get("has_img_google"):
            continue
        name = (e.get("name") or e["short_name"]).lower()
        shorts = [_clean(s) for s in e.get("short_names", [])]
        sub = e.get("subcategory") or ""
        cat = e.get("category") or ""
        entries = [(e["image"], name, shorts, "")]
        for key, v in (e.get("skin_variations") or {}).items():
            if not v.get("has_img_google"):
                continue
            tones = [SKIN[k] for k in key.split("-") if k in SKIN]
            entries.append((v["image"], name, shorts, ", ".join(dict.fromkeys(tones))))
        for img, name, shorts, tone in entries:
            p = os.path.join(PKG, "img", "google", "64", img)
            if not os.path.exists(p):
                continue
            imgs.append(_load_png(p))
            meta.append({"image": img, "name": name, "short_names": shorts, "subcategory": sub,
                         "category": cat, "tone": tone, "base": e["image"]})
    imgs = np.stack(imgs)
    np.savez_compressed(CACHE, images=imgs, meta=json.dumps(meta))
    return imgs, meta


def load():
    if not os.path.exists(CACHE):
        return build()
    z = np.load(CACHE)
    return z["images"], json.loads(str(z["meta"]))


# The curated training subset: the emoji an artist is likely to prompt for, one image each (no skin-tone
# variants). Dropped: Flags, Symbols (letters, arrows, signs, zodiac, keycaps), Component, the clock faces of
# Travel & Places "time", most Objects (office, mail, computer, lock, ...) and the People & Body role,
# activity, sport, family and gesture sequences (mostly ZWJ variants of the same few person shapes).
# With fewer, more distinct subjects each one is seen several times more often in the same training time.
CURATED_CATEGORIES = {"Smileys & Emotion", "Animals & Nature", "Food & Drink", "Activities"}
CURATED_SUBCATEGORIES = {
    "sky & weather", "transport-air", "transport-ground", "transport-water", "place-building", "place-geographic",
    "clothing", "musical-instrument", "money", "tool", "body-parts", "hand-fingers-closed", "hand-fingers-open",
    "hand-fingers-partial", "hand-prop", "hand-single-finger", "hands", "person", "person-fantasy"}


def in_curated(m):
    if m["tone"]:
        return False
    if m["category"] == "People & Body" and "200d" in m["image"].lower():  # ZWJ person sequences
        return False
    return m["category"] in CURATED_CATEGORIES or m["subcategory"] in CURATED_SUBCATEGORIES


def subset(meta, name="curated"):
    """Indices of the training subset: "curated" (see above) or "all" (every image, tone variants included)."""
    if name == "all":
        return list(range(len(meta)))
    return [i for i, m in enumerate(meta) if in_curated(m)]


def captions(m):
    """All candidate captions for one item (used for training and for the vocabulary)."""
    sub = _clean(m["subcategory"])
    base = [m["name"]] + [s for s in m["short_names"] if s != m["name"]]
    if m["tone"]:
        base = [f"{b}, {m['tone']}" for b in base] + [f"{b} {m['tone']}" for b in base[:1]]
    out = list(base)
    out += [f"{b}, {sub}" for b in base[:2]]
    out += [f"{sub}, {b}" for b in base[:1]]
    out += [f"{b} emoji" for b in base[:1]]
    return list(dict.fromkeys(out))


def sample_caption(m, rng):
    c = captions(m)
    # favour the plain name
    return c[0] if rng.random() < 0.35 else rng.choice(c)


if __name__ == "__main__":
    imgs, meta = build()
    print(imgs.shape, len(meta))
    rng = random.Random(0)
    for i in range(0, len(meta), 400):
        print(meta[i]["image"], captions(meta[i]))
