"""
The checkpoint families: which LDM modules make each model, under which key prefix, with which sizes, and
the checkpoint keys that are no module's parameter (the noise-schedule buffers and EMA counters that
ldm's LatentDiffusion registers). `tiny` variants use the same modules at toy widths for test fixtures.
"""
from ldm import ClipTextModel, OpenClipText, UNetModel, VaeDecoder, VaeEncoder

# ldm.models.diffusion.ddpm.DDPM.register_schedule buffers plus LitEma's counters ("ema-only" pruning keeps them).
LDM_BUFFERS = ["betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod", "sqrt_one_minus_alphas_cumprod",
               "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod", "sqrt_recipm1_alphas_cumprod", "posterior_variance",
               "posterior_log_variance_clipped", "posterior_mean_coef1", "posterior_mean_coef2"]


def ldm_extra_keys(timesteps=1000):
    keys = {k: {"shape": [timesteps], "dtype": "float"} for k in LDM_BUFFERS}
    keys["model_ema.decay"] = {"shape": [], "dtype": "float"}
    keys["model_ema.num_updates"] = {"shape": [], "dtype": "I32"}
    return keys


def vae_kw(tiny):
    return dict(ch=8, ch_mult=(1, 1, 2, 2), num_res_blocks=1, groups=4) if tiny else {}


def components(family, tiny=False, vocab=49408):
    """[(component name, module factory, key prefix, example-input maker name)] for a family."""
    vk = vae_kw(tiny)
    vae = [("vae_decoder", lambda: VaeDecoder(**vk), "first_stage_model."),
           ("vae_encoder", lambda: VaeEncoder(**vk), "first_stage_model.")]
    if family == "sd1":
        te = (lambda: ClipTextModel(vocab, 32, 2, 2)) if tiny else (lambda: ClipTextModel())
        un = (lambda: UNetModel(16, (1, 2), 1, (1, 2), num_heads=2, context_dim=32, groups=8)) if tiny else (lambda: UNetModel())
        return [("text_encoder", te, "cond_stage_model.transformer."), ("unet", un, "model.diffusion_model.")] + vae
    if family == "sd2":
        te = (lambda: OpenClipText(vocab, 32, 2, 3)) if tiny else (lambda: OpenClipText())
        un = ((lambda: UNetModel(16, (1, 2), 1, (1, 2), num_head_channels=8, context_dim=32, use_linear=True, groups=8)) if tiny
              else (lambda: UNetModel(num_head_channels=64, context_dim=1024, use_linear=True)))
        return [("text_encoder", te, "cond_stage_model.model."), ("unet", un, "model.diffusion_model.")] + vae
    if family == "sdxl":
        if tiny:
            te1 = lambda: ClipTextModel(vocab, 16, 2, 2, hidden_states=(1, 2))
            te2 = lambda: OpenClipText(vocab, 24, 2, 2, mode="sdxl", hidden_states=(1, 2))
            un = lambda: UNetModel(16, (1, 2), 1, (2,), num_head_channels=8, transformer_depth=(0, 2), context_dim=40,
                                   use_linear=True, adm_in_channels=24 + 6 * 8, adm_time_dim=8, groups=8)
        else:
            te1 = lambda: ClipTextModel(hidden_states=(11, 12))
            te2 = lambda: OpenClipText(dim=1280, heads=20, layers=32, mode="sdxl", hidden_states=(31, 32))
            un = lambda: UNetModel(320, (1, 2, 4), 2, (4, 2), num_head_channels=64, transformer_depth=(0, 2, 10), context_dim=2048,
                                   use_linear=True, adm_in_channels=2816)
        return [("text_encoder", te1, "conditioner.embedders.0.transformer."), ("text_encoder_2", te2, "conditioner.embedders.1.model."),
                ("unet", un, "model.diffusion_model.")] + vae
    raise ValueError(family)


def extra_keys(family):
    return {} if family == "sdxl" else ldm_extra_keys()


def configs(family, tiny=False):
    """What the import writes beside the graphs: the diffusers component configs and the tokenizers (a
    folder of vocab.json + merges.txt relative to the template, and the padding token)."""
    tok_dir = "../../tiny-tokenizer" if tiny else "../clip-tokenizer"
    eos, bang = "<|endoftext|>", "!"
    vk = vae_kw(tiny)
    vae = {"_class_name": "AutoencoderKL", "in_channels": 3, "out_channels": 3, "latent_channels": 4,
           "block_out_channels": [vk.get("ch", 128) * m for m in vk.get("ch_mult", (1, 2, 4, 4))],
           "layers_per_block": vk.get("num_res_blocks", 2), "norm_num_groups": vk.get("groups", 32),
           "scaling_factor": 0.13025 if family == "sdxl" else 0.18215}
    if family == "sd1":
        unet = {"sample_size": 8 if tiny else 64, "cross_attention_dim": 32 if tiny else 768}
        text = {"text_encoder": {"hidden_size": 32 if tiny else 768, "hidden_act": "quick_gelu"}}
        toks = {"tokenizer": {"dir": tok_dir, "pad": eos}}
    elif family == "sd2":
        unet = {"sample_size": 8 if tiny else 96, "cross_attention_dim": 32 if tiny else 1024, "use_linear_projection": True}
        text = {"text_encoder": {"hidden_size": 32 if tiny else 1024, "hidden_act": "gelu"}}
        toks = {"tokenizer": {"dir": tok_dir, "pad": bang}}
    else:
        unet = {"sample_size": 8 if tiny else 128, "cross_attention_dim": 40 if tiny else 2048, "use_linear_projection": True,
                "addition_embed_type": "text_time", "addition_time_embed_dim": 8 if tiny else 256}
        text = {"text_encoder": {"hidden_size": 16 if tiny else 768, "hidden_act": "quick_gelu"},
                "text_encoder_2": {"hidden_size": 24 if tiny else 1280, "hidden_act": "gelu", "projection_dim": 24 if tiny else 1280}}
        toks = {"tokenizer": {"dir": tok_dir, "pad": eos}, "tokenizer_2": {"dir": tok_dir, "pad": bang}}
    unet = dict({"_class_name": "UNet2DConditionModel", "in_channels": 4, "out_channels": 4}, **unet)
    return {"configs": dict({"unet": unet, "vae_decoder": vae, "vae_encoder": vae}, **text), "tokenizers": toks}
