"""Train the embedded default model (emoji-tiny) on CPU.

  python3 train.py vae   --minutes 18 [--resume]   # autoencoder 64x64x3 <-> 16x16x4
  python3 train.py latents                          # encode the dataset with the trained VAE
  python3 train.py unet  --minutes 180 [--resume]  # text encoder + UNet, jointly (eps-prediction), on the
                                                    # curated subset, lr cosine-decayed over the last 35 min

Checkpoints go to work/ckpt/ (weights, EMA, optimizer state, step, RNG state) every few minutes
and at the end; --resume continues from them. Seeds are fixed (--seed, default 0).
"""
import argparse
import json
import math
import os
import random
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import data  # noqa: E402
from clip_tokenizer import default_tokenizer, BOS, EOS  # noqa: E402
from models import VAE, TextEncoder, UNet, n_params  # noqa: E402

WORK = os.environ.get("EMOJI_TINY_WORK", os.path.join(HERE, "work"))
CKPT = os.path.join(WORK, "ckpt")

# model hyper-parameters (kept here so export/evaluate read the same values)
VAE_CH = (32, 64, 96)
Z_CH = 4
TEXT_DIM, TEXT_LAYERS, TEXT_HEADS = 192, 2, 4
UNET_CH, UNET_ATTN, UNET_HEADS = (64, 96, 128), (False, True, True), 4
BETA_START, BETA_END, T_STEPS = 0.00085, 0.012, 1000  # scaled_linear, as SD1
CAPTION_DROPOUT = 0.1
TONE_WEIGHT = 0.1  # relative sampling weight of a skin-tone variant (base emoji = 1), --subset all only


def log(f, msg):
    line = time.strftime("%H:%M:%S ") + msg
    print(line, flush=True)
    if f:
        f.write(line + "\n")
        f.flush()


def rng_state():
    return {"torch": torch.get_rng_state(), "np": np.random.get_state(), "py": random.getstate()}


def set_rng_state(s):
    torch.set_rng_state(s["torch"])
    np.random.set_state(s["np"])
    random.setstate(s["py"])


def save(path, obj):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def images_tensor():
    imgs, meta = data.load()
    x = torch.from_numpy(imgs).permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
    return x, meta


# ----------------------------------------------------------------------------- VAE

def train_vae(a):
    x, meta = images_tensor()
    vae = VAE(VAE_CH, Z_CH)
    opt = torch.optim.Adam(vae.parameters(), lr=a.lr or 1e-3)
    step, path = 0, os.path.join(CKPT, "vae.pt")
    if a.resume and os.path.exists(path):
        ck = torch.load(path)
        vae.load_state_dict(ck["model"]); opt.load_state_dict(ck["opt"]); step = ck["step"]
        set_rng_state(ck["rng"])
    logf = open(os.path.join(WORK, "train_vae.log"), "a")
    log(logf, f"vae params enc {n_params(vae.encoder)} dec {n_params(vae.decoder)}; start step {step}")
    t0 = last_ck = time.time()
    n = x.shape[0]
    perm, pi = torch.randperm(n), 0
    avg = None
    while time.time() - t0 < a.minutes * 60 and step < a.max_steps:
        if pi + a.batch > n:
            perm, pi = torch.randperm(n), 0
        idx = perm[pi:pi + a.batch]; pi += a.batch
        xb = x[idx]
        flip = torch.rand(xb.shape[0]) < 0.5
        xb = torch.where(flip[:, None, None, None], xb.flip(-1), xb)
        lr = (a.lr or 1e-3) * min(1.0, (step + 1) / 100)
        for g in opt.param_groups:
            g["lr"] = lr
        mean, logvar = vae.encoder(xb)
        z = mean + torch.randn_like(mean) * (0.5 * logvar).exp()
        y = vae.decoder(z)
        rec = (y - xb).abs().mean() + (y - xb).pow(2).mean()
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).sum(dim=(1, 2, 3)).mean()
        loss = rec + 1e-6 * kl
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        avg = rec.item() if avg is None else 0.98 * avg + 0.02 * rec.item()
        if step % 25 == 0:
            el = time.time() - t0
            log(logf, f"vae step {step} rec {avg:.4f} kl {kl.item():.1f} lr {lr:.2e} "
                      f"| {el / 60:.1f} min")
        if time.time() - last_ck > a.ckpt_minutes * 60:
            save(path, {"model": vae.state_dict(), "opt": opt.state_dict(), "step": step, "rng": rng_state()})
            last_ck = time.time()
    save(path, {"model": vae.state_dict(), "opt": opt.state_dict(), "step": step, "rng": rng_state()})
    log(logf, f"vae done at step {step}, {(time.time() - t0) / 60:.1f} min, rec(avg) {avg:.4f}")


def load_vae():
    vae = VAE(VAE_CH, Z_CH)
    vae.load_state_dict(torch.load(os.path.join(CKPT, "vae.pt"))["model"])
    return vae.eval()


@torch.no_grad()
def encode_latents(a):
    x, meta = images_tensor()
    vae = load_vae()
    means, logvars, errs = [], [], []
    for i in range(0, x.shape[0], 128):
        m, lv = vae.encoder(x[i:i + 128])
        means.append(m); logvars.append(lv)
        errs.append((vae.decoder(m) - x[i:i + 128]).abs().mean(dim=(1, 2, 3)))
    mean, logvar = torch.cat(means), torch.cat(logvars)
    std = mean.std().item()
    scaling = 1.0 / std
    l1 = torch.cat(errs).mean().item()
    # latent -> RGB preview factors: least squares from scaled latent (+1) to the decoded image
    # downsampled to the latent grid (rows = latent channels, columns = R, G, B)
    dec = torch.cat([vae.decoder(mean[i:i + 128]) for i in range(0, mean.shape[0], 128)]).clamp(-1, 1)
    rgb = F.avg_pool2d(dec, 4).permute(0, 2, 3, 1).reshape(-1, 3)
    zs = (mean * scaling).permute(0, 2, 3, 1).reshape(-1, Z_CH)
    A = torch.cat([zs, torch.ones(zs.shape[0], 1)], 1).double()
    sol = torch.linalg.lstsq(A, rgb.double()).solution.float()
    pred = A.float() @ sol
    fit_rmse = (pred - rgb).pow(2).mean().sqrt().item()
    factors = {"factors": [[round(v, 5) for v in r] for r in sol[:Z_CH].tolist()],
               "bias": [round(v, 5) for v in sol[Z_CH].tolist()],
               "note": "rows = latent channels 0-3, columns = R, G, B; applied to the scaled latent; output in [-1, 1]",
               "fit_rmse": round(fit_rmse, 4)}
    torch.save({"mean": mean, "logvar": logvar, "scaling_factor": scaling, "recon_l1": l1,
                "latent_rgb": factors, "channel_mean": mean.mean(dim=(0, 2, 3)).tolist(),
                "channel_std": mean.std(dim=(0, 2, 3)).tolist()}, os.path.join(WORK, "latents.pt"))
    print(json.dumps({"n": mean.shape[0], "latent_std": std, "scaling_factor": scaling, "recon_l1_[-1,1]": l1,
                      "channel_mean": mean.mean(dim=(0, 2, 3)).tolist(),
                      "channel_std": mean.std(dim=(0, 2, 3)).tolist(),
                      "posterior_std_mean": (0.5 * logvar).exp().mean().item(),
                      "latent_rgb": factors}, indent=1))


# ----------------------------------------------------------------------------- text + UNet

def build_vocab(meta, tok):
    """Compact rows: 0 = unknown, then every CLIP id seen in the captions (BOS, EOS included)."""
    seen = {BOS, EOS}
    for m in meta:
        for c in data.captions(m):
            seen.update(tok.encode(c))
    ids = sorted(seen)
    id_map = np.zeros(49408, dtype=np.int64)
    for r, i in enumerate(ids):
        id_map[i] = r + 1
    return ids, id_map


def make_text_encoder(id_map, n_rows):
    return TextEncoder(id_map, n_rows, dim=TEXT_DIM, layers=TEXT_LAYERS, heads=TEXT_HEADS)


def make_unet():
    return UNet(UNET_CH, UNET_ATTN, ctx_dim=TEXT_DIM, heads=UNET_HEADS, zc=Z_CH)


def alphas_cumprod():
    betas = torch.linspace(BETA_START ** 0.5, BETA_END ** 0.5, T_STEPS, dtype=torch.float64) ** 2
    return torch.cumprod(1 - betas, 0).float()


def train_unet(a):
    imgs, meta = data.load()
    lat = torch.load(os.path.join(WORK, "latents.pt"))
    scaling = lat["scaling_factor"]
    lmean, lstd = lat["mean"], (0.5 * lat["logvar"]).exp()
    tok = default_tokenizer()
    vocab_ids, id_map = build_vocab(meta, tok)
    # pre-tokenize all candidate captions
    cap_ids = [[torch.tensor(tok(c), dtype=torch.long) for c in data.captions(m)] for m in meta]
    empty = torch.tensor(tok(""), dtype=torch.long)
    te, unet = make_text_encoder(id_map, len(vocab_ids) + 1), make_unet()
    ema_te, ema_unet = make_text_encoder(id_map, len(vocab_ids) + 1), make_unet()
    ema_te.load_state_dict(te.state_dict()); ema_unet.load_state_dict(unet.state_dict())
    params = list(te.parameters()) + list(unet.parameters())
    base_lr = a.lr or 8e-4
    # no weight decay on the text encoder: its gradient is weak early on and decay shrank its output to ~0
    opt = torch.optim.AdamW([{"params": list(te.parameters()), "mult": a.text_lr_mult, "weight_decay": 0.0},
                             {"params": list(unet.parameters()), "mult": 1.0}], lr=base_lr, weight_decay=0.01)
    step, path = 0, os.path.join(CKPT, "unet.pt")
    warm_from = 0
    src = a.init_from or (path if a.resume else None)
    if src and os.path.exists(src):
        ck = torch.load(src)
        missing = te.load_state_dict(ck["te"], strict=False).missing_keys
        ema_te.load_state_dict(ck["ema_te"], strict=False)
        missing += unet.load_state_dict(ck["unet"], strict=False).missing_keys
        ema_unet.load_state_dict(ck["ema_unet"], strict=False)
        step = ck["step"]; set_rng_state(ck["rng"])
        missing = [k for k in missing if k != "positions"]  # a buffer, not a parameter
        if a.init_from:  # warm start from another run (e.g. another subset): fresh optimizer state
            log(None, f"warm start from {src} (step {step})")
            missing = missing or ["(warm start)"]
        if missing:  # architecture grew (new zero-initialised modules): keep weights, fresh optimizer state
            log(None, f"new parameters {missing}: optimizer state reset, 100-step re-warmup")
            warm_from = step
        else:
            osd = ck["opt"]
            if len(osd["param_groups"]) == 1:  # older checkpoint: one group (text params first, then UNet)
                g0, n_te = osd["param_groups"][0], len(list(te.parameters()))
                osd["param_groups"] = [dict(g0, params=g0["params"][:n_te]), dict(g0, params=g0["params"][n_te:])]
            opt.load_state_dict(osd)
            for g, m, wd in zip(opt.param_groups, (a.text_lr_mult, 1.0), (0.0, 0.01)):
                g["mult"], g["weight_decay"] = m, wd
    logf = open(os.path.join(WORK, "train_unet.log"), "a")
    log(logf, f"unet params {n_params(unet)} text params {n_params(te)} vocab rows {len(vocab_ids) + 1} "
              f"scaling {scaling:.4f}; start step {step}")
    acp = alphas_cumprod()
    snr = acp / (1 - acp)
    # min-SNR-5 weighting for eps prediction, times (1 + 1/SNR) capped at HIGH_T_BOOST: the eps loss of
    # high-noise steps is tiny, yet that is where the prompt decides the content; this puts weight there
    w_t = torch.clamp(snr, max=5.0) / snr
    if a.high_t_boost > 1:
        w_t = w_t * torch.clamp(1 + 1 / snr, max=a.high_t_boost)
    rng = random.Random(a.seed + step)
    # sampling weights: skin-tone variants repeat their base emoji's shape, so each variant counts 0.1
    keep = set(data.subset(meta, a.subset))
    weights = torch.tensor([(TONE_WEIGHT if m["tone"] else 1.0) if i in keep else 0.0 for i, m in enumerate(meta)])
    log(logf, f"training subset {a.subset}: {len(keep)} images")
    t0 = last_ck = time.time()
    avg = None

    def checkpoint():
        save(path, {"te": te.state_dict(), "unet": unet.state_dict(), "ema_te": ema_te.state_dict(),
                    "ema_unet": ema_unet.state_dict(), "opt": opt.state_dict(), "step": step,
                    "rng": rng_state(), "vocab_ids": vocab_ids, "scaling_factor": scaling,
                    "subset": a.subset})

    while time.time() - t0 < a.minutes * 60 and step < a.max_steps:
        idx = torch.multinomial(weights, a.batch, replacement=True)
        z0 = (lmean[idx] + lstd[idx] * torch.randn(len(idx), Z_CH, lmean.shape[2], lmean.shape[3])) * scaling
        ids = torch.stack([empty if rng.random() < CAPTION_DROPOUT else rng.choice(cap_ids[i])
                           for i in idx.tolist()])
        t = torch.randint(0, T_STEPS, (len(idx),))
        eps = torch.randn_like(z0)
        ac = acp[t][:, None, None, None]
        zt = ac.sqrt() * z0 + (1 - ac).sqrt() * eps
        lr = base_lr * min(1.0, (step + 1) / 200, (step - warm_from + 1) / 100 if warm_from else 1.0)
        if a.lr_decay_minutes > 0:  # cosine decay to 5 % over the last --lr-decay-minutes of this run
            left = a.minutes - (time.time() - t0) / 60
            if left < a.lr_decay_minutes:
                lr *= 0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * (1 - max(left, 0.0) / a.lr_decay_minutes)))
        for g in opt.param_groups:
            g["lr"] = lr * g.get("mult", 1.0)
        ctx, _ = te(ids)
        pred = unet(zt, t, ctx)
        per = (pred - eps).pow(2).mean(dim=(1, 2, 3))
        loss = (per * w_t[t]).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        d = min(a.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for m, e in ((te, ema_te), (unet, ema_unet)):
                for p, q in zip(m.parameters(), e.parameters()):
                    q.mul_(d).add_(p.detach(), alpha=1 - d)
        avg = per.mean().item() if avg is None else 0.98 * avg + 0.02 * per.mean().item()
        if step % 20 == 0:
            el = time.time() - t0
            log(logf, f"unet step {step} mse {avg:.4f} lr {lr:.2e} ema {d:.4f} | {el / 60:.1f} min")
        if time.time() - last_ck > a.ckpt_minutes * 60:
            checkpoint()
            last_ck = time.time()
    checkpoint()
    log(logf, f"unet done at step {step}, {(time.time() - t0) / 60:.1f} min, mse(avg) {avg:.4f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("stage", choices=["vae", "latents", "unet"])
    p.add_argument("--minutes", type=float, default=20)
    p.add_argument("--max-steps", type=int, default=10 ** 9)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--resume", action="store_true")
    p.add_argument("--high-t-boost", type=float, default=10.0, help="cap of the (1 + 1/SNR) factor; 1 = off")
    p.add_argument("--text-lr-mult", type=float, default=3.0, help="text encoder lr multiplier")
    p.add_argument("--lr-decay-minutes", type=float, default=35,
                   help="cosine-decay the learning rate to 5 %% over the last N minutes of this run (0 = constant; "
                        "use 0 for a chunk that will be resumed)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--subset", choices=["curated", "all"], default="curated", help="training images (data.subset)")
    p.add_argument("--init-from", default=None, help="warm start from this checkpoint (fresh optimizer state)")
    p.add_argument("--ckpt-minutes", type=float, default=4)
    p.add_argument("--threads", type=int, default=1, help="torch threads; 2 was up to 10x slower on shared cores")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed); np.random.seed(a.seed); random.seed(a.seed)
    os.makedirs(CKPT, exist_ok=True)
    {"vae": train_vae, "latents": encode_latents, "unet": train_unet}[a.stage](a)


if __name__ == "__main__":
    main()
