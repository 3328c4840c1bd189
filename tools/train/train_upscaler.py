"""Tiny 2x super-resolution model trained on the emoji set -> models/emoji-upscaler-2x/model.onnx

    OPENBLAS_NUM_THREADS=1 nice -n 10 /usr/bin/python3 train_upscaler.py --minutes 20
    /usr/bin/python3 train_upscaler.py --export-only        # re-export + evaluate from the last checkpoint

Data: work/dataset.npz (see data.py). High resolution = the 64 px emoji on white; low resolution = the
same image box-downsampled to 32 px (2x2 average, what a generator's too-small output looks like after a
clean resize). Every 10th image is held out and never trained on; the script prints PSNR on the held-out
images for the model against PIL bicubic and lanczos upscaling of the same 32 px inputs.

The model is ESPCN-like: four 3x3 convolutions at low resolution, a pixel shuffle to 2x, added to a
bilinear upsample of the input (so it only learns the detail bilinear misses), clamped to [0, 1].
Receptive field: 4 convolutions of radius 1 = 4 low-resolution pixels each side (the bilinear path adds
one more), which is what the studio's tiling test relies on: an overlap of 32 covers it many times over.
Input/output: float32 NCHW RGB in [0, 1], dynamic height and width.
"""
import argparse
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import data

HERE = os.path.dirname(os.path.abspath(__file__))
CKPT = os.path.join(data.WORK, "ckpt", "upscaler.pt")
OUT = os.path.join(HERE, "..", "..", "models", "emoji-upscaler-2x")


class TinySR(nn.Module):
    def __init__(self, ch=32):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, ch, 3, padding=1), nn.ReLU(),
            nn.Conv2d(ch, ch, 3, padding=1), nn.ReLU(),
            nn.Conv2d(ch, ch, 3, padding=1), nn.ReLU(),
            nn.Conv2d(ch, 12, 3, padding=1))
        nn.init.zeros_(self.body[-1].weight)
        nn.init.zeros_(self.body[-1].bias)

    def forward(self, x):
        base = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
        return (base + F.pixel_shuffle(self.body(x), 2)).clamp(0.0, 1.0)


def split():
    imgs, _ = data.load()
    idx = np.arange(len(imgs))
    held = idx % 10 == 0
    return imgs[~held], imgs[held]


def to_t(u8):
    return torch.from_numpy(u8).float().permute(0, 3, 1, 2) / 255.0


def down(hr):
    return F.avg_pool2d(hr, 2)


def psnr(a, b):
    mse = float(((a - b) ** 2).mean())
    return 10 * np.log10(1.0 / max(mse, 1e-12))


def evaluate(model, held):
    from PIL import Image
    hr = to_t(held)
    lr = down(hr)
    with torch.no_grad():
        sr = torch.cat([model(lr[i:i + 64]) for i in range(0, len(lr), 64)])
    # PIL baselines on the same quantised 32 px inputs the model sees at inference (uint8 images)
    lr_u8 = (lr.permute(0, 2, 3, 1).numpy() * 255).round().clip(0, 255).astype(np.uint8)
    sr_q = torch.from_numpy((sr.numpy() * 255).round() / 255)
    res = {"model": psnr(sr_q, hr)}
    for name, flt in (("bicubic", Image.BICUBIC), ("lanczos", Image.LANCZOS)):
        up = np.stack([np.asarray(Image.fromarray(im).resize((64, 64), flt)) for im in lr_u8])
        res[name] = psnr(to_t(up), hr)
    res["bilinear"] = psnr(F.interpolate(lr, scale_factor=2.0, mode="bilinear", align_corners=False), hr)
    res["held_out_images"] = len(held)
    return res


def export(model, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    x = torch.rand(1, 3, 24, 20)
    torch.onnx.export(model, (x,), path, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch", 2: "height", 3: "width"},
                                    "output": {0: "batch", 2: "height2", 3: "width2"}},
                      opset_version=13, do_constant_folding=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=20)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--export-only", action="store_true")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    train, held = split()
    model = TinySR()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    step = 0
    if (args.resume or args.export_only) and os.path.exists(CKPT):
        ck = torch.load(CKPT)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step = ck["step"]
    if not args.export_only:
        os.makedirs(os.path.dirname(CKPT), exist_ok=True)
        train_t = to_t(train)
        rng = np.random.default_rng(step)
        t0 = time.time()
        last_ck = t0
        budget = args.minutes * 60
        while time.time() - t0 < budget:
            frac = (time.time() - t0) / budget
            for g in opt.param_groups:  # cosine decay to 5 % over the run
                g["lr"] = args.lr * (0.05 + 0.95 * 0.5 * (1 + np.cos(np.pi * frac)))
            b = train_t[rng.integers(0, len(train_t), args.batch)]
            if rng.random() < 0.5:
                b = b.flip(3)
            # random 48 px crops at an even offset keep the LR grid aligned
            oy, ox = (int(v) * 2 for v in rng.integers(0, 9, 2))
            hr = b[:, :, oy:oy + 48, ox:ox + 48]
            lr = (down(hr) * 255).round() / 255  # the model sees 8-bit inputs in the product
            loss = F.l1_loss(model(lr), hr)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            if step % 200 == 0:
                print(f"step {step} loss {loss.item():.5f} {time.time() - t0:.0f}s", flush=True)
            if time.time() - last_ck > 120:
                torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step}, CKPT)
                last_ck = time.time()
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step}, CKPT)
    model.eval()
    res = evaluate(model, held)
    res["steps"] = step
    res["params"] = sum(p.numel() for p in model.parameters())
    print(json.dumps(res), flush=True)
    export(model, os.path.join(OUT, "model.onnx"))
    with open(os.path.join(OUT, "metrics.json"), "w") as f:
        json.dump({k: (round(v, 3) if isinstance(v, float) else v) for k, v in res.items()}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
