"""Export the trained emoji-tiny model to the diffusers/Optimum ONNX layout.

  python3 export_onnx.py [--out ../../models/emoji-tiny] [--no-ema]

Writes model_index.json, scheduler/, tokenizer/, text_encoder/, unet/, vae_decoder/, vae_encoder/,
latent_rgb_factors.json and verification fixtures (work/verify/*) that verify_onnx.mjs runs with
onnxruntime-node and compares against the torch outputs.
"""
import argparse
import json
import os
import shutil
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train  # noqa: E402
from clip_tokenizer import default_tokenizer  # noqa: E402

OPSET = 14
DIFFUSERS_VERSION = "0.14.0"


class TextEncoderExport(torch.nn.Module):
    def __init__(self, te):
        super().__init__()
        self.te = te
        self.register_buffer("id_map32", te.id_map.to(torch.int32))

    def forward(self, input_ids):
        L = input_ids.shape[1]
        rows = torch.gather(self.id_map32, 0, input_ids.reshape(-1).to(torch.int64)).reshape(input_ids.shape)
        h = self.te.tok(rows.to(torch.int64)) + self.te.pos[:L]
        mask = self.te.causal[:L, :L]
        for blk in self.te.layers:
            h = blk(h, mask=mask)
        eos = input_ids.to(torch.int32).argmax(dim=-1).to(torch.int64)
        h = self.te.final_norm(h) + self.te.bow(rows.to(torch.int64), eos)[:, None]
        pooled = torch.gather(h, 1, eos[:, None, None].expand(-1, 1, h.shape[2]))[:, 0]
        return h, pooled


class UNetExport(torch.nn.Module):
    def __init__(self, unet):
        super().__init__()
        self.unet = unet

    def forward(self, sample, timestep, encoder_hidden_states):
        return self.unet(sample, timestep, encoder_hidden_states)


class VaeDecoderExport(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.dec = vae.decoder

    def forward(self, latent_sample):
        return self.dec(latent_sample)


class VaeEncoderExport(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.enc = vae.encoder

    def forward(self, sample):
        return self.enc(sample)[0]  # posterior mean, unscaled


def export(model, args, path, in_names, out_names, axes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(model, args, path, input_names=in_names, output_names=out_names,
                          dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True)
    import onnx
    m = onnx.load(path)
    onnx.checker.check_model(m)
    return m


def dump_fixture(vdir, name, inputs, outputs):
    """Raw little-endian tensors + a JSON index that verify_onnx.mjs reads."""
    idx = {"inputs": {}, "outputs": {}}
    for kind, d in (("inputs", inputs), ("outputs", outputs)):
        for k, v in d.items():
            a = v.detach().cpu().numpy()
            fn = f"{name}.{kind}.{k}.bin"
            a.tofile(os.path.join(vdir, fn))
            idx[kind][k] = {"file": fn, "dtype": str(a.dtype), "shape": list(a.shape)}
    json.dump(idx, open(os.path.join(vdir, f"{name}.json"), "w"), indent=1)


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=os.path.join(HERE, "..", "..", "models", "emoji-tiny"))
    p.add_argument("--no-ema", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    out = os.path.abspath(a.out)
    vdir = os.path.join(train.WORK, "verify")
    os.makedirs(vdir, exist_ok=True)

    ck = torch.load(os.path.join(train.CKPT, "unet.pt"))
    lat = torch.load(os.path.join(train.WORK, "latents.pt"))
    vocab_ids = ck["vocab_ids"]
    id_map = np.zeros(49408, dtype=np.int64)
    for r, i in enumerate(vocab_ids):
        id_map[i] = r + 1
    te = train.make_text_encoder(id_map, len(vocab_ids) + 1)
    unet = train.make_unet()
    pre = "" if a.no_ema else "ema_"
    te.load_state_dict(ck[pre + "te"]); unet.load_state_dict(ck[pre + "unet"])
    te.eval(); unet.eval()
    vae = train.load_vae()
    scaling = float(lat["scaling_factor"])
    tok = default_tokenizer()

    # ---- text encoder
    ids = torch.tensor([tok("red apple"), tok("smiling cat face")], dtype=torch.int32)
    tex = TextEncoderExport(te).eval()
    with torch.no_grad():
        h, pooled = tex(ids)
        h_ref, pooled_ref = te(ids.long())
    assert torch.allclose(h, h_ref, atol=1e-5) and torch.allclose(pooled, pooled_ref, atol=1e-5)
    export(tex, (ids,), os.path.join(out, "text_encoder", "model.onnx"), ["input_ids"],
           ["last_hidden_state", "pooler_output"],
           {"input_ids": {0: "batch_size", 1: "sequence_length"},
            "last_hidden_state": {0: "batch_size", 1: "sequence_length"}, "pooler_output": {0: "batch_size"}})
    dump_fixture(vdir, "text_encoder", {"input_ids": ids}, {"last_hidden_state": h, "pooler_output": pooled})

    # ---- unet (timestep: float32 [batch], as the diffusers ONNX conversion script exports it)
    sample = torch.randn(2, train.Z_CH, 16, 16)
    ts = torch.tensor([999.0, 321.5])
    with torch.no_grad():
        eps = unet(sample, ts, h)
    export(UNetExport(unet), (sample, ts, h), os.path.join(out, "unet", "model.onnx"),
           ["sample", "timestep", "encoder_hidden_states"], ["out_sample"],
           {"sample": {0: "batch_size", 2: "height", 3: "width"}, "timestep": {0: "steps"},
            "encoder_hidden_states": {0: "batch_size", 1: "sequence_length"},
            "out_sample": {0: "batch_size", 2: "height", 3: "width"}})
    # a second fixture at another size/batch checks the dynamic axes
    s3 = torch.randn(3, train.Z_CH, 24, 16)
    t3 = torch.tensor([10.0, 500.0, 900.0])
    c3 = torch.cat([h, h[:1]])
    with torch.no_grad():
        e3 = unet(s3, t3, c3)
    dump_fixture(vdir, "unet", {"sample": sample, "timestep": ts, "encoder_hidden_states": h}, {"out_sample": eps})
    dump_fixture(vdir, "unet_dyn", {"sample": s3, "timestep": t3, "encoder_hidden_states": c3}, {"out_sample": e3})

    # ---- vae decoder / encoder (unscaled latents, like diffusers)
    z = lat["mean"][:2].clone()
    with torch.no_grad():
        img = vae.decoder(z)
        zm = vae.encoder(img.clamp(-1, 1))[0]
    export(VaeDecoderExport(vae), (z,), os.path.join(out, "vae_decoder", "model.onnx"), ["latent_sample"], ["sample"],
           {"latent_sample": {0: "batch_size", 2: "height", 3: "width"},
            "sample": {0: "batch_size", 2: "height", 3: "width"}})
    export(VaeEncoderExport(vae), (img.clamp(-1, 1),), os.path.join(out, "vae_encoder", "model.onnx"), ["sample"],
           ["latent_sample"], {"sample": {0: "batch_size", 2: "height", 3: "width"},
                               "latent_sample": {0: "batch_size", 2: "height", 3: "width"}})
    dump_fixture(vdir, "vae_decoder", {"latent_sample": z}, {"sample": img})
    dump_fixture(vdir, "vae_encoder", {"sample": img.clamp(-1, 1)}, {"latent_sample": zm})

    # ---- configs
    write_json(os.path.join(out, "model_index.json"), {
        "_class_name": "OnnxStableDiffusionPipeline", "_diffusers_version": DIFFUSERS_VERSION,
        "feature_extractor": [None, None], "requires_safety_checker": False, "safety_checker": [None, None],
        "scheduler": ["diffusers", "PNDMScheduler"], "text_encoder": ["diffusers", "OnnxRuntimeModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "OnnxRuntimeModel"],
        "vae_decoder": ["diffusers", "OnnxRuntimeModel"], "vae_encoder": ["diffusers", "OnnxRuntimeModel"]})
    write_json(os.path.join(out, "scheduler", "scheduler_config.json"), {
        "_class_name": "PNDMScheduler", "_diffusers_version": DIFFUSERS_VERSION,
        "beta_end": train.BETA_END, "beta_schedule": "scaled_linear", "beta_start": train.BETA_START,
        "clip_sample": False, "num_train_timesteps": train.T_STEPS, "prediction_type": "epsilon",
        "set_alpha_to_one": False, "skip_prk_steps": True, "steps_offset": 1, "timestep_spacing": "leading",
        "trained_betas": None})
    tdir = os.path.join(out, "tokenizer")
    os.makedirs(tdir, exist_ok=True)
    for fn in ("vocab.json", "merges.txt"):
        shutil.copyfile(os.path.join(shared_tok_dir(), fn), os.path.join(tdir, fn))
    tokd = lambda c: {"__type": "AddedToken", "content": c, "lstrip": False, "normalized": True,
                      "rstrip": False, "single_word": False}
    write_json(os.path.join(tdir, "tokenizer_config.json"), {
        "add_prefix_space": False, "bos_token": tokd("<|startoftext|>"), "do_lower_case": True,
        "eos_token": tokd("<|endoftext|>"), "errors": "replace", "model_max_length": 77,
        "name_or_path": "emoji-tiny/tokenizer", "pad_token": "<|endoftext|>", "tokenizer_class": "CLIPTokenizer",
        "unk_token": tokd("<|endoftext|>")})
    sp = lambda c: {"content": c, "lstrip": False, "normalized": True, "rstrip": False, "single_word": False}
    write_json(os.path.join(tdir, "special_tokens_map.json"), {
        "bos_token": sp("<|startoftext|>"), "eos_token": sp("<|endoftext|>"), "pad_token": "<|endoftext|>",
        "unk_token": sp("<|endoftext|>")})
    write_json(os.path.join(out, "text_encoder", "config.json"), {
        "architectures": ["CLIPTextModel"], "model_type": "clip_text_model", "hidden_act": "quick_gelu",
        "hidden_size": train.TEXT_DIM, "intermediate_size": train.TEXT_DIM * 2,
        "num_attention_heads": train.TEXT_HEADS, "num_hidden_layers": train.TEXT_LAYERS,
        "max_position_embeddings": 77, "vocab_size": 49408, "projection_dim": train.TEXT_DIM,
        "layer_norm_eps": 1e-5, "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 1,
        "torch_dtype": "float32",
        "_note": f"tiny CLIP-style text encoder trained from scratch on emoji captions; every CLIP id maps through a "
                 f"fixed table to one of {len(vocab_ids) + 1} embedding rows (row 0 = ids never seen in training)"})
    write_json(os.path.join(out, "unet", "config.json"), {
        "_class_name": "UNet2DConditionModel", "_diffusers_version": DIFFUSERS_VERSION,
        "sample_size": 16, "in_channels": train.Z_CH, "out_channels": train.Z_CH,
        "cross_attention_dim": train.TEXT_DIM, "block_out_channels": list(train.UNET_CH),
        "attention_head_dim": [c // train.UNET_HEADS for c in train.UNET_CH],
        # diffusers reads attention_head_dim as a head count (a naming slip it keeps); say the real one.
        "num_attention_heads": [train.UNET_HEADS] * len(train.UNET_CH),
        "down_block_types": ["CrossAttnDownBlock2D" if x else "DownBlock2D" for x in train.UNET_ATTN],
        "up_block_types": ["CrossAttnUpBlock2D" if x else "UpBlock2D" for x in reversed(train.UNET_ATTN)],
        "layers_per_block": 1, "flip_sin_to_cos": True, "freq_shift": 0, "act_fn": "silu",
        "_note": "tiny UNet trained from scratch (not loadable by diffusers' UNet2DConditionModel); "
                 "the ONNX graph is the contract: timestep is float32 [batch]"})
    vcfg = {"_class_name": "AutoencoderKL", "_diffusers_version": DIFFUSERS_VERSION, "in_channels": 3,
            "out_channels": 3, "latent_channels": train.Z_CH, "sample_size": 64, "scaling_factor": round(scaling, 5),
            "block_out_channels": list(train.VAE_CH),
            "down_block_types": ["DownEncoderBlock2D"] * len(train.VAE_CH),
            "up_block_types": ["UpDecoderBlock2D"] * len(train.VAE_CH), "mid_block_add_attention": False,
            "layers_per_block": 1, "act_fn": "silu",
            "norm_num_groups": 8,
            "_note": "spatial factor 4: 64x64x3 <-> 16x16x4; vae_encoder outputs the posterior mean (unscaled)"}
    write_json(os.path.join(out, "vae_decoder", "config.json"), vcfg)
    write_json(os.path.join(out, "vae_encoder", "config.json"), vcfg)
    lrgb = dict(lat["latent_rgb"])
    write_json(os.path.join(out, "latent_rgb_factors.json"), lrgb)

    # end-to-end fixture for e2e_onnx.mjs: "red apple", seed 0, DDIM 20 steps, CFG 5
    import evaluate
    noise = torch.randn(1, train.Z_CH, 16, 16, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        zf = evaluate.sample(te, unet, tok, ["red apple"], [0], steps=20, cfg=5.0, scaling=scaling)
        imf = vae.decoder(zf)
    dump_fixture(vdir, "e2e", {"input_ids": torch.tensor([tok(""), tok("red apple")], dtype=torch.int32),
                               "noise": noise}, {"latent": zf, "image": imf})
    json.dump({"scaling_factor": scaling, "steps": 20, "cfg": 5.0, "beta_start": train.BETA_START,
               "beta_end": train.BETA_END, "T": train.T_STEPS}, open(os.path.join(vdir, "e2e_params.json"), "w"))

    total = 0
    for root, _, files in os.walk(out):
        for fn in files:
            total += os.path.getsize(os.path.join(root, fn))
    print(json.dumps({"out": out, "scaling_factor": scaling, "total_bytes": total}, indent=1))


def shared_tok_dir():
    return os.path.join(HERE, "..", "..", "reference", "clip-tokenizer")


if __name__ == "__main__":
    main()
