"""Evaluate emoji-tiny: render a fixed prompt set to a labelled grid PNG and measure prompt adherence
without any outside model.

  python3 evaluate.py [--steps 25] [--cfg 5] [--seeds 4] [--out ../../models/emoji-tiny]

Adherence: each sample's nearest training image (L2 in the VAE latent space, and in pixel space) is
looked up; a sample "hits" when that image belongs to the prompted subcategory (coarser: to the prompted
category, e.g. "Food & Drink"; stricter: "exact" when it is the prompted emoji itself, any skin tone). The same is measured without guidance (cfg 1) and for
unconditional samples (empty prompt, which gives the chance level of each subcategory).
Uses the EMA weights from work/ckpt/unet.pt (the same weights export_onnx.py exports).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import data  # noqa: E402
import train  # noqa: E402
from clip_tokenizer import default_tokenizer  # noqa: E402

# (prompt, subcategory it should land in, names counted as an exact hit)
PROMPTS = [
    ("red apple", "food-fruit", ["red apple"]),
    ("smiling cat face", "cat-face", ["smiling cat face with open mouth", "grinning cat face with smiling eyes",
                                      "smiling cat face with heart-shaped eyes"]),
    ("grinning face", "face-smiling", ["grinning face"]),
    ("red heart", "heart", ["heavy black heart", "red heart"]),
    ("dog face", "animal-mammal", ["dog face"]),
    ("pizza", "food-prepared", ["slice of pizza"]),
    ("rocket", "transport-air", ["rocket"]),
    ("sun with face", "sky & weather", ["sun with face"]),
    ("banana", "food-fruit", ["banana"]),
    ("ghost", "face-costume", ["ghost"]),
    ("penguin", "animal-bird", ["penguin"]),
    ("hamburger", "food-prepared", ["hamburger"]),
    ("smiling face with sunglasses", "face-glasses", ["smiling face with sunglasses"]),
    ("snowman", "sky & weather", ["snowman", "snowman without snow"]),
    ("crown", "clothing", ["crown"]),
    ("butterfly", "animal-bug", ["butterfly"]),
]


def load_models(use_ema=True):
    ck = torch.load(os.path.join(train.CKPT, "unet.pt"))
    vocab_ids = ck["vocab_ids"]
    id_map = np.zeros(49408, dtype=np.int64)
    for r, i in enumerate(vocab_ids):
        id_map[i] = r + 1
    te, unet = train.make_text_encoder(id_map, len(vocab_ids) + 1), train.make_unet()
    pre = "ema_" if use_ema else ""
    te.load_state_dict(ck[pre + "te"]); unet.load_state_dict(ck[pre + "unet"])
    return te.eval(), unet.eval(), train.load_vae(), ck["step"]


@torch.no_grad()
def sample(te, unet, tok, prompts, seeds, steps=25, cfg=5.0, scaling=1.0):
    """DDIM (eta 0) with classifier-free guidance; returns unscaled latents [len(prompts)*len(seeds),4,16,16]."""
    acp = train.alphas_cumprod()
    ts = torch.linspace(train.T_STEPS - 1, 0, steps).round().long()
    ids = torch.tensor([tok(p) for p in prompts for _ in seeds])
    ctx, _ = te(ids)
    unc, _ = te(torch.tensor([tok("")]))
    unc = unc.expand(ctx.shape[0], -1, -1)
    x = torch.cat([torch.randn(1, train.Z_CH, 16, 16, generator=torch.Generator().manual_seed(s))
                   for _ in prompts for s in seeds])
    B = x.shape[0]
    for i, t in enumerate(ts):
        tt = torch.full((B,), float(t))
        if cfg == 1.0:
            eps = unet(x, tt, ctx)
        else:
            e = unet(torch.cat([x, x]), torch.cat([tt, tt]), torch.cat([unc, ctx]))
            eps = e[:B] + cfg * (e[B:] - e[:B])
        a = acp[t]
        a_prev = acp[ts[i + 1]] if i + 1 < len(ts) else torch.tensor(1.0)
        x0 = (x - (1 - a).sqrt() * eps) / a.sqrt()
        x = a_prev.sqrt() * x0 + (1 - a_prev).sqrt() * eps
    return x / scaling


def nn_index(q, ref):
    """Nearest row of ref for each row of q (squared L2)."""
    d = (q * q).sum(1, keepdim=True) - 2 * q @ ref.T + (ref * ref).sum(1)[None]
    return d.argmin(1)


def adherence(z, pix, lat_ref, pix_ref, meta, labels):
    cat_of = {m["name"]: m["category"] for m in meta}
    res = {}
    for space, q, ref in (("latent", z.flatten(1), lat_ref), ("pixel", pix.flatten(1), pix_ref)):
        nn = nn_index(q, ref).tolist()
        cat = [meta[j]["category"] == cat_of[labels[i][1][0]] for i, j in enumerate(nn)]
        sub = [meta[j]["subcategory"] == labels[i][0] for i, j in enumerate(nn)]
        exact = [meta[j]["name"] in labels[i][1] for i, j in enumerate(nn)]
        res[space] = {"category": float(np.mean(cat)), "subcategory": float(np.mean(sub)),
                      "exact": float(np.mean(exact)), "nn": nn}
    return res


def grid(images, prompts, seeds, refs, path):
    from PIL import Image, ImageDraw
    cell, label_w, pad = 96, 190, 4
    cols = len(seeds) + 1
    block_w = label_w + cols * (cell + pad)
    half = (len(prompts) + 1) // 2
    W, H = 2 * block_w + 24, half * (cell + pad) + 22
    g = Image.new("RGB", (W, H), (255, 255, 255))
    d = ImageDraw.Draw(g)
    for b in range(2):
        for j, s in enumerate([f"seed {s}" for s in seeds] + ["training image"]):
            d.text((b * (block_w + 24) + label_w + j * (cell + pad) + 4, 4), s, fill=(90, 90, 90))
    for i, p in enumerate(prompts):
        bx, by = (i // half) * (block_w + 24), 22 + (i % half) * (cell + pad)
        words, line, lines = p.split(), "", []
        for w in words:
            if len(line) + len(w) > 26:
                lines.append(line); line = ""
            line = (line + " " + w).strip()
        lines.append(line)
        for k, l in enumerate(lines):
            d.text((bx + 4, by + cell // 2 - 8 * len(lines) + 16 * k), l, fill=(0, 0, 0))
        row = [images[i * len(seeds) + j] for j in range(len(seeds))] + [refs[i]]
        for j, im in enumerate(row):
            x = bx + label_w + j * (cell + pad) + (pad if j == len(seeds) else 0)
            g.paste(Image.fromarray(im).resize((cell, cell), Image.BICUBIC), (x, by))
    # 256-colour palette keeps the model folder under its 30 MB budget (the full-colour grid is ~0.85 MB)
    g.quantize(256, dither=Image.Dither.NONE if hasattr(Image, "Dither") else 0).save(path, optimize=True)


def to_uint8(x):
    return ((x.clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--steps", type=int, default=25)
    p.add_argument("--cfg", type=float, default=5.0)
    p.add_argument("--seeds", type=int, default=4)
    p.add_argument("--out", default=os.path.join(HERE, "..", "..", "models", "emoji-tiny"))
    p.add_argument("--no-ema", action="store_true")
    p.add_argument("--skip-baselines", action="store_true")
    p.add_argument("--ref", choices=["train", "curated", "all"], default="train",
                   help="nearest-neighbour reference set (default: the checkpoint's training subset)")
    a = p.parse_args()
    torch.set_num_threads(2)
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    imgs, meta = data.load()
    lat = torch.load(os.path.join(train.WORK, "latents.pt"))
    scaling = lat["scaling_factor"]
    te, unet, vae, step = load_models(not a.no_ema)
    tok = default_tokenizer()
    prompts = [q[0] for q in PROMPTS]
    labels = [(q[1], q[2]) for q in PROMPTS for _ in range(a.seeds)]
    seeds = list(range(a.seeds))
    # nearest-neighbour references: the images the model was trained on (data.subset), or --ref all
    sub = a.ref if a.ref != "train" else torch.load(os.path.join(train.CKPT, "unet.pt")).get("subset", "all")
    keep = data.subset(meta, sub)
    imgs_all, meta = imgs, [meta[i] for i in keep]
    imgs = imgs_all[keep]
    lat_ref = lat["mean"][keep].flatten(1)
    pix_ref = torch.from_numpy(imgs).float().div(127.5).sub(1).permute(0, 3, 1, 2).flatten(1)
    results = {"train_step": step, "nn_reference": f"{sub} ({len(keep)} images)", "steps": a.steps, "sampler": "DDIM eta=0", "seeds": seeds,
               "n_samples": len(prompts) * a.seeds}

    runs = [("guided", a.cfg, prompts)]
    if not a.skip_baselines:
        runs += [("unguided_cfg1", 1.0, prompts), ("unconditional", 1.0, [""] * len(prompts))]
    for name, cfg, ps in runs:
        t0 = time.time()
        z = sample(te, unet, tok, ps, seeds, steps=a.steps, cfg=cfg, scaling=scaling)
        with torch.no_grad():
            pix = vae.decoder(z).clamp(-1, 1)
        el = time.time() - t0
        r = adherence(z, pix, lat_ref, pix_ref, meta, labels)
        results[name] = {"cfg": cfg, "seconds": round(el, 1), "seconds_per_image": round(el / z.shape[0], 3),
                         **{f"{s}_nn_category_hit": round(r[s]["category"], 3) for s in r},
                         **{f"{s}_nn_subcategory_hit": round(r[s]["subcategory"], 3) for s in r},
                         **{f"{s}_nn_exact_hit": round(r[s]["exact"], 3) for s in r}}
        if name == "guided":
            per = {}
            for i, pr in enumerate(prompts):
                nns = r["latent"]["nn"][i * a.seeds:(i + 1) * a.seeds]
                per[pr] = {"expected": PROMPTS[i][1], "nearest": [meta[j]["name"] for j in nns],
                           "hits": sum(meta[j]["subcategory"] == PROMPTS[i][1] for j in nns)}
            results["per_prompt_latent_nn"] = per
            refs = []
            for q in PROMPTS:
                j = next(k for k, m in enumerate(meta) if m["name"] in q[2] and not m["tone"])
                refs.append(imgs[j])
            grid(to_uint8(pix), prompts, seeds, refs, os.path.join(out, "eval_grid.png"))
        print(name, json.dumps(results[name]), flush=True)
    json.dump(results, open(os.path.join(out, "eval.json"), "w"), indent=1)
    print(json.dumps(results["per_prompt_latent_nn"], indent=1))


if __name__ == "__main__":
    main()
