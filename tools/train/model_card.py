"""Write models/emoji-tiny/README.md (the model card) from eval.json, the checkpoints and the logs.

  python3 model_card.py [--out ../../models/emoji-tiny] [--notes "free text for the quality judgement"]
"""
import argparse
import json
import os
import re
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train  # noqa: E402


def sizes(out):
    rows, total = [], 0
    for root, _, files in sorted(os.walk(out)):
        for fn in sorted(files):
            p = os.path.join(root, fn)
            s = os.path.getsize(p)
            total += s
            if fn.endswith(".onnx"):
                rows.append((os.path.relpath(p, out), s))
    return rows, total


def last(pattern, path):
    hit = None
    if os.path.exists(path):
        for line in open(path):
            if re.search(pattern, line):
                hit = line.strip()
    return hit


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=os.path.join(HERE, "..", "..", "models", "emoji-tiny"))
    p.add_argument("--notes", default="")
    p.add_argument("--history", default="")
    a = p.parse_args()
    out = os.path.abspath(a.out)
    ev = json.load(open(os.path.join(out, "eval.json")))
    lat = torch.load(os.path.join(train.WORK, "latents.pt"))
    ck = torch.load(os.path.join(train.CKPT, "unet.pt"))
    vck = torch.load(os.path.join(train.CKPT, "vae.pt"))
    lrgb = json.load(open(os.path.join(out, "latent_rgb_factors.json")))
    onnx_rows, total = sizes(out)
    unet_last = last(r"unet step \d+ mse", os.path.join(train.WORK, "train_unet.log"))
    vae_last = last(r"vae done", os.path.join(train.WORK, "train_vae.log"))
    g, u, c = ev["guided"], ev.get("unguided_cfg1", {}), ev.get("unconditional", {})
    import data
    _, meta = data.load()
    subset = ck.get("subset", "all")
    n_sub = len(data.subset(meta, subset))
    if subset == "curated":
        data_txt = f"""- Training subset: **{n_sub} of the 3786 images**, curated to the emoji an artist is likely to prompt for
  (`data.subset`/`data.in_curated`): all of Smileys & Emotion, Animals & Nature, Food & Drink and Activities; from
  Travel & Places the sky & weather, transport and building/geographic subcategories; from Objects clothing,
  musical instruments, money and tools; from People & Body the hands, body parts and the single-codepoint person
  and fantasy-person emoji. Left out: skin-tone variants, Flags, Symbols (letters, arrows, signs, zodiac,
  keycaps), clock faces, most Objects, and the ZWJ person role/activity/sport/family sequences. Reason: in the
  ~2 h CPU budget each of the 3786 images was seen only ~100 times and the text conditioning did not get past
  coarse categories; with {n_sub} distinct subjects each is seen several times more often. Prompts for
  left-out emoji (a flag, a clock) still run, but the model never saw those images."""
    else:
        data_txt = f"""- Skin-tone variants are sampled with weight {train.TONE_WEIGHT} relative to a base emoji (they repeat the
  base's shape)."""

    def fig(d, k):
        return f"{100 * d[k]:.1f} %" if k in d else "n/a"

    per = "\n".join(f"| {k} | {v['expected']} | {v['hits']}/{len(v['nearest'])} | {', '.join(v['nearest'])} |"
                    for k, v in ev["per_prompt_latent_nn"].items())
    card = f"""# emoji-tiny — the studio's embedded default model

A tiny text-to-image latent diffusion model trained from scratch on this project's machine (2 CPU cores),
shipped in the diffusers/Optimum **Stable Diffusion ONNX layout** so the studio runs it through exactly the
code path of real SD1 exports. It exists so that a fresh clone can turn a prompt into an image in about a
second, offline, before any model is downloaded. It is a smoke-test model, not an artist.

- Native size **64x64**, latent **4x16x16** (VAE factor 4), fp32, opset 14, {total / 1e6:.1f} MB in all.
- Scheduler: discrete variance-preserving, **epsilon prediction**, 1000 steps, SD1's `scaled_linear` betas
  0.00085 → 0.012, so every sampler/schedule the studio has applies (the UNet takes fractional timesteps).
- VAE scaling factor **{lat['scaling_factor']:.5f}** (1/std of the training latents; in `vae_*/config.json`).
- Latent→RGB preview factors fitted against this VAE's decoder: `latent_rgb_factors.json`
  (rows = latent channels, columns = R, G, B, applied to the scaled latent, output in [-1, 1];
  least-squares fit RMSE {lrgb.get('fit_rmse', 'n/a')} on 4x4-pooled decoder output).

## Files and graph signatures

| file | bytes |
| --- | ---: |
""" + "\n".join(f"| {r} | {s:,} |" for r, s in onnx_rows) + f"""

| graph | inputs | outputs |
| --- | --- | --- |
| text_encoder | `input_ids` int32 [batch, 77] (full CLIP id space) | `last_hidden_state` float32 [batch, 77, {train.TEXT_DIM}], `pooler_output` float32 [batch, {train.TEXT_DIM}] |
| unet | `sample` float32 [batch, 4, h, w], `timestep` **float32** [batch], `encoder_hidden_states` float32 [batch, 77, {train.TEXT_DIM}] | `out_sample` float32 [batch, 4, h, w] |
| vae_decoder | `latent_sample` float32 [batch, 4, h, w] (unscaled: divide by the scaling factor first) | `sample` float32 [batch, 3, 4h, 4w] in about [-1, 1] |
| vae_encoder | `sample` float32 [batch, 3, H, W] in [-1, 1] | `latent_sample` float32 [batch, 4, H/4, W/4] (posterior mean, unscaled) |

Batch and spatial axes are dynamic (h, w multiples of 4 latent pixels; trained only at 16x16).
`tokenizer/` holds the standard CLIP BPE files (vocab.json, merges.txt) with SD1's tokenizer_config.json and
special_tokens_map.json (max length 77, padded with `<|endoftext|>`).

## Architecture

- **VAE** ({sum(v.numel() for v in vck['model'].values()):,} parameters): ResNet encoder/decoder, channels
  {list(train.VAE_CH)}, two stride-2 stages, KL-regularised (weight 1e-6), L1+L2 reconstruction loss.
- **Text encoder** ({sum(v.numel() for k, v in ck['ema_te'].items() if k not in ('id_map', 'causal')):,} parameters):
  CLIP-style causal pre-LN transformer, {train.TEXT_LAYERS} layers, width {train.TEXT_DIM}, {train.TEXT_HEADS} heads,
  quick_gelu, 77 learned positions, final LayerNorm; `pooler_output` is the hidden state at the argmax id (the
  first EOS), as in CLIP. Embeddings: a fixed table maps each of the 49408 CLIP ids to one of
  {len(ck['vocab_ids']) + 1} rows (every id seen in the training captions has its own row; all other ids share
  row 0, "unknown") — two Gathers in the graph. A bag-of-words path adds the LayerNorm-ed, projected mean of the
  token embeddings of the prompt's words (between BOS and the first EOS) to every output position, a class-like
  feature that stays distinct for every prompt.
- **UNet** ({sum(v.numel() for v in ck['ema_unet'].values()):,} parameters): 3 levels at 16x16/8x8/4x4 with channels
  {list(train.UNET_CH)}, one ResBlock per level down and two up, transformer blocks (self-attention,
  cross-attention to the text, MLP) at 8x8, 4x4 and the middle, sinusoidal timestep embedding; the token-mean of
  `encoder_hidden_states` is also projected (linear + a small MLP) into the timestep embedding (global text
  conditioning), and that embedding both shifts and scales (adaptive GroupNorm) the features of every ResBlock.

## Data and licence

- 3786 images at 64x64: every Google/Noto emoji in the npm package `emoji-datasource-google@16.0.0`
  (1911 emoji + 1875 skin-tone variants), composited on white. The package README states that the
  Android/Google/Noto images are available under the **Apache License 2.0** (googlefonts/noto-emoji); the
  package's own code and metadata are MIT (© Cal Henderson). The dataset is not redistributed here.
- Captions, sampled uniformly per step from: the emoji's name, its short names, "name, subcategory",
  "subcategory, name", "name emoji" (skin-tone variants add their tone, "…, medium skin tone"). 10 % of captions
  are dropped to the empty prompt so classifier-free guidance works.
{data_txt}
- The weights are released under the Apache License 2.0, like the images they were trained on.

## Training

All on 2 shared CPU cores (Debian python3-torch 1.13, OpenBLAS), fixed seeds, resumable checkpoints; code and
exact commands in `tools/train/` (README there).

- VAE: batch 32, Adam 1e-3 (100-step warm-up), horizontal flips; {vae_last or ''}.
  Reconstruction L1 on the dataset (in [-1, 1]): {lat['recon_l1']:.4f}.
- Text encoder + UNet jointly: batch 32, AdamW 8e-4 (weight decay 0.01 on the UNet; the text encoder has no
  weight decay and a 3x learning rate), gradient clipping 1.0, EMA 0.999 (exported), min-SNR-5 loss weighting
  times (1 + 1/SNR) capped at 10; {ev['train_step']} steps ({ev['train_step'] * 32:,} samples) in all.
  Last log line: `{unet_last or ''}`.

{a.history}

## Evaluation (`tools/train/evaluate.py`)

16 fixed prompts x {len(ev['seeds'])} seeds, {ev['sampler']}, {ev['steps']} steps, at the EMA weights of step {ev['train_step']}.
The grid (`eval_grid.png`: samples per seed, then the training image the prompt names):

![evaluation grid](eval_grid.png)

Prompt adherence without any outside model: a sample hits when its nearest training image (squared L2 in the
VAE latent space, or in pixels; reference set: {ev.get('nn_reference', 'all')}) belongs to the prompted **subcategory** (e.g. "red apple" → food-fruit); coarser,
to the prompted **category** (e.g. Food & Drink, 9 categories); "exact" when it is the prompted emoji itself. Unconditional samples (empty prompt) give the chance level.

| setting | latent-NN category | pixel-NN category | latent-NN subcategory | pixel-NN subcategory | latent-NN exact | pixel-NN exact | s/image (torch, batch {len(ev['seeds']) * 16}) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
""" + "\n".join(f"| {lbl} | {fig(d, 'latent_nn_category_hit')} | {fig(d, 'pixel_nn_category_hit')} | {fig(d, 'latent_nn_subcategory_hit')} | {fig(d, 'pixel_nn_subcategory_hit')} | {fig(d, 'latent_nn_exact_hit')} | {fig(d, 'pixel_nn_exact_hit')} | {d.get('seconds_per_image', 'n/a')} |"
                for lbl, d in ((f"CFG {g['cfg']}", g), ("CFG 1 (no guidance)", u), ("unconditional (chance)", c))) + f"""

Per prompt (CFG {g['cfg']}, nearest training images in latent space):

| prompt | expected subcategory | hits | nearest training images |
| --- | --- | ---: | --- |
{per}

{a.notes}

## Limitations

- 64x64 only in practice; other sizes run (the graphs are fully convolutional) but were never trained.
- Vocabulary: only words that occur in emoji names, short names and subcategories have their own embedding;
  every other CLIP token maps to one shared "unknown" row, so free-form prompts mostly act like an empty prompt.
- Trained for about three hours on two CPU cores: see the judgement above for what it can and cannot draw. It is
  meant to exercise the pipeline (tokenizer → text encoder → UNet with CFG → VAE, previews, samplers,
  schedules) and give a first image, not to make art.
- It reproduces training emoji (at best); it does not compose new subjects from words it has not seen together.
- The text encoder and UNet are custom tiny architectures: the ONNX graphs are the contract; the configs only
  describe them and cannot be loaded by diffusers' PyTorch classes.
"""
    open(os.path.join(out, "README.md"), "w").write(card)
    print("wrote", os.path.join(out, "README.md"), f"{total / 1e6:.2f} MB in folder")


if __name__ == "__main__":
    main()
