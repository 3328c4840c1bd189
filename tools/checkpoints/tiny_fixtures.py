"""
Tiny LDM-layout checkpoints for the import tests (run through make_templates.py --tiny):

  tools/fixtures/checkpoints/templates/{sd1,sd2,sdxl}/   tiny templates (same modules, toy widths)
  tools/fixtures/checkpoints/tiny-tokenizer/             CLIP BPE cut to 1000 merges (as tools/fixtures)
  tools/fixtures/checkpoints/<name>.safetensors          random weights, LDM keys, sorted as safetensors writes them
  tools/fixtures/checkpoints/golden/<name>.json          PyTorch run: Euler, Karras, 4 steps, CFG 5, "a", seed 1234
  tools/fixtures/checkpoints/exported/sd1-tiny/*.onnx    sd1-tiny exported the usual way (weights inside), for the benchmark

The golden runs use the weights as stored (rounded to float16 / bfloat16 for those files) in float32
arithmetic, which is what the imported graph computes (a Cast to float32 in front of every weight).
"""
import json
import os

import numpy as np
import torch

import ldm
from families import components, extra_keys
from make_fixtures import karras_sigmas, sd_sigma_table, sigma_to_t, write_tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.abspath(os.path.join(HERE, "..", "fixtures", "checkpoints"))
LATENT = 8

# name, family, storage dtype, prediction, seed
FIXTURES = [
    ("sd1-tiny", "sd1", "F32", "epsilon", 11),
    ("sd1-tiny-fp16", "sd1", "F16", "epsilon", 11),
    ("sd1-tiny-bf16", "sd1", "BF16", "epsilon", 11),
    ("sd2-v-tiny", "sd2", "F16", "v_prediction", 12),
    ("sdxl-tiny", "sdxl", "F16", "epsilon", 13),
]
TORCH = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def randomise(module):
    """Random weights everywhere (norm scales near 1), so every key matters to the output."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.dim() >= 2:
                fan_in = p[0].numel()
                p.normal_(0, 1.0 / fan_in ** 0.5)
            elif name.endswith("weight"):
                p.copy_(1 + 0.1 * torch.randn_like(p))
            else:
                p.normal_(0, 0.05)
        if isinstance(module, ldm.UNetModel):
            module.out[2].weight.mul_(0.3)
        if isinstance(module, ldm.OpenClipText):
            module.text_projection.normal_(0, module.text_projection.shape[0] ** -0.5)
    return module


def write_safetensors(path, tensors, metadata=None):
    header, blobs, off = {}, [], 0
    for k in sorted(tensors):
        t, dtype = tensors[k]
        if dtype == "BF16":
            raw = (t.float().numpy().view(np.uint32) >> 16).astype("<u2").tobytes()
        else:
            raw = t.numpy().astype({"F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4"}[dtype]).tobytes()
        header[k] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    if metadata:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little"))
        f.write(h)
        for b in blobs:
            f.write(b)


def schedule_buffers():
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, 1000, dtype=torch.float64) ** 2
    ac = torch.cumprod(1 - betas, 0)
    return {"betas": betas, "alphas_cumprod": ac}


def make_checkpoint(name, family, dtype, seed, vocab, metadata):
    torch.manual_seed(seed)
    modules, tensors = {}, {}
    for comp, factory, prefix in components(family, tiny=True, vocab=vocab):
        if comp == "vae_encoder" and "vae_decoder" in modules:
            torch.manual_seed(seed + 100)
        m = randomise(factory().eval())
        for k, v in m.state_dict().items():
            if v.dtype == torch.int64:
                tensors[prefix + k] = (v, "I64")
            else:
                stored = v.to(TORCH[dtype]).float()  # what the file holds, seen in float32
                v.copy_(stored)
                tensors[prefix + k] = (stored, dtype)
        modules[comp] = m
    buffers = schedule_buffers()
    for k, spec in extra_keys(family).items():
        if spec["dtype"] == "I32":
            tensors[k] = (torch.tensor(1234, dtype=torch.int32), "I32")
        else:
            v = buffers.get(k, torch.zeros(spec["shape"]))
            tensors[k] = (v.float().to(TORCH[dtype]).float(), dtype)
    write_safetensors(os.path.join(OUT, name + ".safetensors"), tensors, metadata)
    return modules


def tokenize(vocab, pad, tokens):
    bos, eos = vocab["<|startoftext|>"], vocab["<|endoftext|>"]
    row = [bos] + tokens + [eos]
    return torch.tensor([row + [vocab[pad]] * (77 - len(row))], dtype=torch.int32)


def golden(name, family, prediction, modules, vocab):
    a = [vocab["a</w>"]]
    with torch.no_grad():
        if family == "sdxl":
            te1, te2, unet, dec = modules["text_encoder"], modules["text_encoder_2"], modules["unet"], modules["vae_decoder"]
            o1 = te1(tokenize(vocab, "<|endoftext|>", a))
            o2 = te2(tokenize(vocab, "!", a))
            cond = torch.cat([o1[2], o2[2]], dim=-1)  # hidden_states.1: penultimate of two layers
            pooled = o2[0]
            uncond = torch.zeros_like(cond)
            time_ids = torch.tensor([[64.0, 64, 0, 0, 64, 64]])

            def run(xin, ts, c):
                return unet(xin, ts, c, pooled if c is cond else torch.zeros_like(pooled), time_ids)
            scale = 0.13025
        else:
            te, unet, dec = modules["text_encoder"], modules["unet"], modules["vae_decoder"]
            pad = "!" if family == "sd2" else "<|endoftext|>"
            cond = te(tokenize(vocab, pad, a))[0]
            uncond = te(tokenize(vocab, pad, []))[0]

            def run(xin, ts, c):
                return unet(xin, ts, c)
            scale = 0.18215
        table = sd_sigma_table()
        steps, cfg, seed = 4, 5.0, 1234
        sigmas = karras_sigmas(table, steps)
        torch.manual_seed(seed)
        x = torch.randn([1, 4, LATENT, LATENT], dtype=torch.float32).double() * sigmas[0]
        for i in range(steps):
            s = sigmas[i]
            ts = torch.tensor([sigma_to_t(table, s, False)], dtype=torch.float32)
            xin = (x / (s * s + 1) ** 0.5).float()
            outs = [run(xin, ts, c).double() for c in (cond, uncond)]
            if prediction == "epsilon":
                den = [x - s * o for o in outs]
            else:
                den = [x / (s * s + 1) - s / (s * s + 1) ** 0.5 * o for o in outs]
            d0 = den[1] + cfg * (den[0] - den[1])
            x = x + (x - d0) / s * (sigmas[i + 1] - s)
        img = dec((x / scale).float()).double()
        pix = ((img + 1) * 127.5).clamp(0, 255).round()
    path = os.path.join(OUT, "golden", name + ".json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"model": name, "prompt": "a", "negative": "", "sampler": "euler", "schedule": "karras", "steps": steps, "cfg": cfg,
                   "seed": seed, "width": LATENT * 8, "height": LATENT * 8, "sigmas": sigmas,
                   "latent": [round(v, 7) for v in x.flatten().tolist()], "pixel_mean": pix.mean().item(),
                   "pixels_head": [int(v) for v in pix[0].permute(1, 2, 0).flatten()[:48].tolist()]}, f, indent=1)


def main(make_template):
    os.makedirs(OUT, exist_ok=True)
    vocab_size = write_tokenizer(os.path.join(OUT, "tiny-tokenizer"), "<|endoftext|>")
    for f in ("tokenizer_config.json", "special_tokens_map.json"):
        os.remove(os.path.join(OUT, "tiny-tokenizer", f))  # the import writes these with the family's padding token
    vocab = json.load(open(os.path.join(OUT, "tiny-tokenizer", "vocab.json"), encoding="utf-8"))
    for family in ("sd1", "sd2", "sdxl"):
        make_template(family, os.path.join(OUT, "templates", family), tiny=True, vocab=vocab_size)
    for name, family, dtype, prediction, seed in FIXTURES:
        metadata = {"format": "pt"}
        if prediction == "v_prediction":
            metadata["modelspec.prediction_type"] = "v"
        modules = make_checkpoint(name, family, dtype, seed, vocab_size, metadata)
        if name == "sd1-tiny":
            from make_templates import export_plain
            os.makedirs(os.path.join(OUT, "exported", name), exist_ok=True)
            for comp, m in modules.items():
                export_plain(comp, m, os.path.join(OUT, "exported", name, comp + ".onnx"))
        golden(name, family, prediction, modules, vocab)
        print(f"  {name}: {os.path.getsize(os.path.join(OUT, name + '.safetensors')) / 1024:.0f} KB", flush=True)
