"""
The Stable-Diffusion (LDM) modules with their original parameter names, re-expressed compactly from the
reference sources so that a module's state_dict() keys are exactly the single-file checkpoint's keys:

  UNetModel        ldm/modules/diffusionmodules/openaimodel.py (SD1/SD2) and sgm's (SDXL: label_emb,
                   per-level transformer_depth)                         -> model.diffusion_model.*
  Encoder/Decoder  ldm/modules/diffusionmodules/model.py (kl-f8 AutoencoderKL) -> first_stage_model.*
  ClipTextModel    transformers CLIPTextModel (SD1 FrozenCLIPEmbedder, SDXL embedders.0)
                                                                        -> cond_stage_model.transformer.*
  OpenClipText     open_clip's text tower (SD2 FrozenOpenCLIPEmbedder, SDXL embedders.1)
                                                                        -> cond_stage_model.model.*

Each forward is the inference path the studio needs, with the diffusers/Optimum ONNX input and output
names. Linear layers are plain nn.Linear (exported as Gemm transB / MatMul of a Transpose), so an ONNX
initializer holds exactly the checkpoint's tensor in the checkpoint's layout.

`norm_groups` is 32 in every real model; the tiny test fixtures use fewer so their widths can be small.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

# Module constructors take `device` from here: "meta" builds a full-size model without allocating weights.
DEVICE = {"device": None}


# F.linear on a bare weight (OpenCLIP's in_proj); the template export swaps in a weight-free stand-in.
LINEAR = {"fn": F.linear}


def dd():
    return {"device": DEVICE["device"]} if DEVICE["device"] else {}


def linear(i, o, bias=True):
    return nn.Linear(i, o, bias=bias, **dd())


def conv(i, o, k, stride=1, padding=0):
    return nn.Conv2d(i, o, k, stride=stride, padding=padding, **dd())


def group_norm(groups, ch, eps):
    return nn.GroupNorm(groups, ch, eps=eps, **dd())


def layer_norm(ch, eps=1e-5):
    return nn.LayerNorm(ch, eps=eps, **dd())


def timestep_embedding(t, dim, max_period=10000):
    """ldm's sinusoidal embedding: cos first, then sin."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(0, half, dtype=torch.float32) / half)
    args = t[:, None].float() * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def attention(q, k, v, heads):
    b, n, inner = q.shape
    m = k.shape[1]
    dh = inner // heads
    q = q.reshape(b, n, heads, dh).transpose(1, 2)
    k = k.reshape(b, m, heads, dh).transpose(1, 2)
    v = v.reshape(b, m, heads, dh).transpose(1, 2)
    w = torch.softmax((q @ k.transpose(2, 3)) * (dh ** -0.5), dim=-1)
    return (w @ v).transpose(1, 2).reshape(b, n, inner)


# ---------------------------------------------------------------- UNet


class TimestepBlock(nn.Sequential):
    """ldm's TimestepEmbedSequential: passes emb to ResBlocks and context to SpatialTransformers."""

    def forward(self, x, emb, context):
        for layer in self:
            if isinstance(layer, ResBlock):
                x = layer(x, emb)
            elif isinstance(layer, SpatialTransformer):
                x = layer(x, context)
            else:
                x = layer(x)
        return x


class ResBlock(nn.Module):
    def __init__(self, ch, emb_ch, out, groups):
        super().__init__()
        self.in_layers = nn.Sequential(group_norm(groups, ch, 1e-5), nn.SiLU(), conv(ch, out, 3, padding=1))
        self.emb_layers = nn.Sequential(nn.SiLU(), linear(emb_ch, out))
        self.out_layers = nn.Sequential(group_norm(groups, out, 1e-5), nn.SiLU(), nn.Dropout(0.0), conv(out, out, 3, padding=1))
        self.skip_connection = nn.Identity() if ch == out else conv(ch, out, 1)

    def forward(self, x, emb):
        h = self.in_layers(x)
        h = h + self.emb_layers(emb)[:, :, None, None]
        return self.skip_connection(x) + self.out_layers(h)


class CrossAttention(nn.Module):
    def __init__(self, dim, context_dim, heads):
        super().__init__()
        self.heads = heads
        self.to_q = linear(dim, dim, bias=False)
        self.to_k = linear(context_dim, dim, bias=False)
        self.to_v = linear(context_dim, dim, bias=False)
        self.to_out = nn.Sequential(linear(dim, dim), nn.Dropout(0.0))

    def forward(self, x, context=None):
        c = x if context is None else context
        return self.to_out(attention(self.to_q(x), self.to_k(c), self.to_v(c), self.heads))


class GEGLU(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.proj = linear(dim, inner * 2)

    def forward(self, x):
        a, gate = self.proj(x).chunk(2, dim=-1)
        return a * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.net = nn.Sequential(GEGLU(dim, dim * 4), nn.Dropout(0.0), linear(dim * 4, dim))

    def forward(self, x):
        return self.net(x)


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, context_dim, heads):
        super().__init__()
        self.attn1 = CrossAttention(dim, dim, heads)
        self.ff = FeedForward(dim)
        self.attn2 = CrossAttention(dim, context_dim, heads)
        self.norm1, self.norm2, self.norm3 = layer_norm(dim), layer_norm(dim), layer_norm(dim)

    def forward(self, x, context):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), context) + x
        return self.ff(self.norm3(x)) + x


class SpatialTransformer(nn.Module):
    def __init__(self, ch, heads, depth, context_dim, use_linear, groups):
        super().__init__()
        self.use_linear = use_linear
        self.norm = group_norm(groups, ch, 1e-6)
        self.proj_in = linear(ch, ch) if use_linear else conv(ch, ch, 1)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(ch, context_dim, heads) for _ in range(depth)])
        self.proj_out = linear(ch, ch) if use_linear else conv(ch, ch, 1)

    def forward(self, x, context):
        b, c, h, w = x.shape
        x_in = x
        x = self.norm(x)
        if not self.use_linear:
            x = self.proj_in(x)
        x = x.reshape(b, c, h * w).transpose(1, 2)
        if self.use_linear:
            x = self.proj_in(x)
        for block in self.transformer_blocks:
            x = block(x, context)
        if self.use_linear:
            x = self.proj_out(x)
        x = x.transpose(1, 2).reshape(b, c, h, w)
        if not self.use_linear:
            x = self.proj_out(x)
        return x + x_in


class Downsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.op = conv(ch, ch, 3, stride=2, padding=1)

    def forward(self, x):
        return self.op(x)


class Upsample(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = conv(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class UNetModel(nn.Module):
    """Inputs as diffusers' ONNX UNet: sample, timestep (float, one per row or one for all), encoder_hidden_states
    (+ SDXL text_embeds and time_ids, embedded as sgm's ConcatTimestepEmbedderND does)."""

    def __init__(self, model_channels=320, channel_mult=(1, 2, 4, 4), num_res_blocks=2, attention_resolutions=(4, 2, 1),
                 num_heads=8, num_head_channels=-1, transformer_depth=1, context_dim=768, use_linear=False,
                 adm_in_channels=0, adm_time_dim=256, groups=32, in_channels=4, out_channels=4):
        super().__init__()
        mc = model_channels
        depth = list(transformer_depth) if isinstance(transformer_depth, (list, tuple)) else [transformer_depth] * len(channel_mult)
        emb_ch = mc * 4
        self.mc, self.adm_time_dim, self.adm, self.context_dim = mc, adm_time_dim, adm_in_channels, context_dim
        self.time_embed = nn.Sequential(linear(mc, emb_ch), nn.SiLU(), linear(emb_ch, emb_ch))
        if adm_in_channels:
            self.label_emb = nn.Sequential(nn.Sequential(linear(adm_in_channels, emb_ch), nn.SiLU(), linear(emb_ch, emb_ch)))

        def heads(ch):
            return ch // num_head_channels if num_head_channels > 0 else num_heads

        def st(ch, d):
            return SpatialTransformer(ch, heads(ch), d, context_dim, use_linear, groups)

        self.input_blocks = nn.ModuleList([TimestepBlock(conv(in_channels, mc, 3, padding=1))])
        chans, ch, ds = [mc], mc, 1
        for level, mult in enumerate(channel_mult):
            for _ in range(num_res_blocks):
                layers = [ResBlock(ch, emb_ch, mult * mc, groups)]
                ch = mult * mc
                if ds in attention_resolutions:
                    layers.append(st(ch, depth[level]))
                self.input_blocks.append(TimestepBlock(*layers))
                chans.append(ch)
            if level != len(channel_mult) - 1:
                self.input_blocks.append(TimestepBlock(Downsample(ch)))
                chans.append(ch)
                ds *= 2
        self.middle_block = TimestepBlock(ResBlock(ch, emb_ch, ch, groups), st(ch, depth[-1]), ResBlock(ch, emb_ch, ch, groups))
        self.output_blocks = nn.ModuleList([])
        for level, mult in list(enumerate(channel_mult))[::-1]:
            for i in range(num_res_blocks + 1):
                layers = [ResBlock(ch + chans.pop(), emb_ch, mc * mult, groups)]
                ch = mc * mult
                if ds in attention_resolutions:
                    layers.append(st(ch, depth[level]))
                if level and i == num_res_blocks:
                    layers.append(Upsample(ch))
                    ds //= 2
                self.output_blocks.append(TimestepBlock(*layers))
        self.out = nn.Sequential(group_norm(groups, ch, 1e-5), nn.SiLU(), conv(mc, out_channels, 3, padding=1))

    def forward(self, sample, timestep, encoder_hidden_states, text_embeds=None, time_ids=None):
        b = sample.shape[0]
        t = timestep.float().reshape(-1).expand(b)
        emb = self.time_embed(timestep_embedding(t, self.mc))
        if self.adm:
            tid = timestep_embedding(time_ids.float().reshape(-1), self.adm_time_dim).reshape(b, -1)
            emb = emb + self.label_emb(torch.cat([text_embeds.float(), tid], dim=-1))
        h, hs = sample, []
        for block in self.input_blocks:
            h = block(h, emb, encoder_hidden_states)
            hs.append(h)
        h = self.middle_block(h, emb, encoder_hidden_states)
        for block in self.output_blocks:
            h = block(torch.cat([h, hs.pop()], dim=1), emb, encoder_hidden_states)
        return self.out(h)


# ---------------------------------------------------------------- VAE (kl-f8)


class ResnetBlock(nn.Module):
    def __init__(self, ch, out, groups):
        super().__init__()
        self.norm1 = group_norm(groups, ch, 1e-6)
        self.conv1 = conv(ch, out, 3, padding=1)
        self.norm2 = group_norm(groups, out, 1e-6)
        self.conv2 = conv(out, out, 3, padding=1)
        if ch != out:
            self.nin_shortcut = conv(ch, out, 1)

    def forward(self, x):
        h = self.conv1(F.silu(self.norm1(x)))
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.nin_shortcut(x) if hasattr(self, "nin_shortcut") else x) + h


class AttnBlock(nn.Module):
    def __init__(self, ch, groups):
        super().__init__()
        self.norm = group_norm(groups, ch, 1e-6)
        self.q, self.k, self.v, self.proj_out = conv(ch, ch, 1), conv(ch, ch, 1), conv(ch, ch, 1), conv(ch, ch, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        n = self.norm(x)
        q = self.q(n).reshape(b, c, h * w).transpose(1, 2)
        k = self.k(n).reshape(b, c, h * w)
        v = self.v(n).reshape(b, c, h * w)
        att = torch.softmax((q @ k) * (c ** -0.5), dim=2)
        out = (v @ att.transpose(1, 2)).reshape(b, c, h, w)
        return x + self.proj_out(out)


class VaeDown(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = conv(ch, ch, 3, stride=2)

    def forward(self, x):
        return self.conv(F.pad(x, (0, 1, 0, 1)))


class VaeLevel(nn.Module):
    pass


class Mid(nn.Module):
    def __init__(self, ch, groups):
        super().__init__()
        self.block_1 = ResnetBlock(ch, ch, groups)
        self.attn_1 = AttnBlock(ch, groups)
        self.block_2 = ResnetBlock(ch, ch, groups)

    def forward(self, x):
        return self.block_2(self.attn_1(self.block_1(x)))


class Encoder(nn.Module):
    def __init__(self, ch=128, ch_mult=(1, 2, 4, 4), num_res_blocks=2, z_channels=4, groups=32):
        super().__init__()
        self.conv_in = conv(3, ch, 3, padding=1)
        self.down = nn.ModuleList()
        cin = ch
        for i, mult in enumerate(ch_mult):
            level = VaeLevel()
            level.block = nn.ModuleList()
            level.attn = nn.ModuleList()
            for _ in range(num_res_blocks):
                level.block.append(ResnetBlock(cin, ch * mult, groups))
                cin = ch * mult
            if i != len(ch_mult) - 1:
                level.downsample = VaeDown(cin)
            self.down.append(level)
        self.mid = Mid(cin, groups)
        self.norm_out = group_norm(groups, cin, 1e-6)
        self.conv_out = conv(cin, 2 * z_channels, 3, padding=1)

    def forward(self, x):
        h = self.conv_in(x)
        for level in self.down:
            for block in level.block:
                h = block(h)
            if hasattr(level, "downsample"):
                h = level.downsample(h)
        return self.conv_out(F.silu(self.norm_out(self.mid(h))))


class Decoder(nn.Module):
    def __init__(self, ch=128, ch_mult=(1, 2, 4, 4), num_res_blocks=2, z_channels=4, groups=32):
        super().__init__()
        cin = ch * ch_mult[-1]
        self.conv_in = conv(z_channels, cin, 3, padding=1)
        self.mid = Mid(cin, groups)
        ups = []
        for i in reversed(range(len(ch_mult))):
            level = VaeLevel()
            level.block = nn.ModuleList()
            level.attn = nn.ModuleList()
            for _ in range(num_res_blocks + 1):
                level.block.append(ResnetBlock(cin, ch * ch_mult[i], groups))
                cin = ch * ch_mult[i]
            if i != 0:
                level.upsample = Upsample(cin)
            ups.insert(0, level)
        self.up = nn.ModuleList(ups)
        self.norm_out = group_norm(groups, cin, 1e-6)
        self.conv_out = conv(cin, 3, 3, padding=1)

    def forward(self, z):
        h = self.mid(self.conv_in(z))
        for level in reversed(self.up):
            for block in level.block:
                h = block(h)
            if hasattr(level, "upsample"):
                h = level.upsample(h)
        return self.conv_out(F.silu(self.norm_out(h)))


class VaeDecoder(nn.Module):
    """latent_sample (unscaled VAE latent) -> sample in [-1, 1]: post_quant_conv then the decoder."""

    def __init__(self, z_channels=4, **kw):
        super().__init__()
        self.decoder = Decoder(z_channels=z_channels, **kw)
        self.post_quant_conv = conv(z_channels, z_channels, 1)

    def forward(self, latent_sample):
        return self.decoder(self.post_quant_conv(latent_sample))


class VaeEncoder(nn.Module):
    """sample -> latent_parameters (mean and log-variance, 2 x z_channels): the encoder then quant_conv."""

    def __init__(self, z_channels=4, **kw):
        super().__init__()
        self.encoder = Encoder(z_channels=z_channels, **kw)
        self.quant_conv = conv(2 * z_channels, 2 * z_channels, 1)

    def forward(self, sample):
        return self.quant_conv(self.encoder(sample))


# ---------------------------------------------------------------- text encoders


def causal_mask(n, like):
    return torch.full((n, n), float("-inf"), dtype=like.dtype).triu(1)


class ClipAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = linear(dim, dim), linear(dim, dim), linear(dim, dim), linear(dim, dim)

    def forward(self, x, mask):
        return self.out_proj(masked_attention(self.q_proj(x), self.k_proj(x), self.v_proj(x), self.heads, mask))


def masked_attention(q, k, v, heads, mask):
    b, n, inner = q.shape
    dh = inner // heads
    q = q.reshape(b, n, heads, dh).transpose(1, 2)
    k = k.reshape(b, n, heads, dh).transpose(1, 2)
    v = v.reshape(b, n, heads, dh).transpose(1, 2)
    w = torch.softmax((q @ k.transpose(2, 3)) * (dh ** -0.5) + mask, dim=-1)
    return (w @ v).transpose(1, 2).reshape(b, n, inner)


class ClipMlp(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.fc1, self.fc2 = linear(dim, dim * 4), linear(dim * 4, dim)

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(h * torch.sigmoid(1.702 * h))  # quick_gelu


class ClipLayer(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.self_attn = ClipAttention(dim, heads)
        self.layer_norm1 = layer_norm(dim)
        self.mlp = ClipMlp(dim)
        self.layer_norm2 = layer_norm(dim)

    def forward(self, x, mask):
        x = x + self.self_attn(self.layer_norm1(x), mask)
        return x + self.mlp(self.layer_norm2(x))


class ClipEmbeddings(nn.Module):
    def __init__(self, vocab, dim, positions=77):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, dim, **dd())
        self.position_embedding = nn.Embedding(positions, dim, **dd())
        self.register_buffer("position_ids", torch.arange(positions, device=DEVICE["device"]).expand((1, -1)))


class ClipEncoder(nn.Module):
    def __init__(self, dim, heads, layers):
        super().__init__()
        self.layers = nn.ModuleList([ClipLayer(dim, heads) for _ in range(layers)])


class ClipTextTransformer(nn.Module):
    def __init__(self, vocab, dim, heads, layers):
        super().__init__()
        self.embeddings = ClipEmbeddings(vocab, dim)
        self.encoder = ClipEncoder(dim, heads, layers)
        self.final_layer_norm = layer_norm(dim)


class ClipTextModel(nn.Module):
    """transformers' CLIPTextModel (ViT-L/14: 768 wide, 12 heads, 12 layers, quick_gelu). Outputs
    last_hidden_state and pooler_output (the final state at the end token, the highest id as CLIP's
    argmax), and with `hidden_states` the outputs hidden_states.N named in that list (0 = embeddings)."""

    def __init__(self, vocab=49408, dim=768, heads=12, layers=12, hidden_states=()):
        super().__init__()
        self.text_model = ClipTextTransformer(vocab, dim, heads, layers)
        self.hidden_states = tuple(hidden_states)

    def forward(self, input_ids):
        ids = input_ids.long()
        tm = self.text_model
        n = ids.shape[1]
        # Positions by arange rather than the position_ids buffer: some checkpoints store that buffer as
        # float or not at all, so the graph does not read it.
        x = tm.embeddings.token_embedding(ids) + tm.embeddings.position_embedding.weight[:n][None]
        mask = causal_mask(n, x)
        states = [x]
        for layer in tm.encoder.layers:
            x = layer(x, mask)
            states.append(x)
        last = tm.final_layer_norm(x)
        pooled = last[torch.arange(ids.shape[0]), ids.argmax(dim=-1)]
        return tuple([last, pooled] + [states[i] for i in self.hidden_states])


class OpenClipBlock(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.ln_1 = layer_norm(dim)
        self.attn = nn.Module()
        self.attn.in_proj_weight = nn.Parameter(torch.empty(3 * dim, dim, **dd()))
        self.attn.in_proj_bias = nn.Parameter(torch.empty(3 * dim, **dd()))
        self.attn.out_proj = linear(dim, dim)
        self.ln_2 = layer_norm(dim)
        self.mlp = nn.Module()
        self.mlp.c_fc = linear(dim, dim * 4)
        self.mlp.c_proj = linear(dim * 4, dim)

    def forward(self, x, mask):
        h = self.ln_1(x)
        q, k, v = LINEAR["fn"](h, self.attn.in_proj_weight, self.attn.in_proj_bias).chunk(3, dim=-1)
        x = x + self.attn.out_proj(masked_attention(q, k, v, self.heads, mask))
        return x + self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x))))


class OpenClipTransformer(nn.Module):
    def __init__(self, dim, heads, layers):
        super().__init__()
        self.resblocks = nn.ModuleList([OpenClipBlock(dim, heads) for _ in range(layers)])


class OpenClipText(nn.Module):
    """open_clip's text tower (ViT-H/14: 1024 wide, 16 heads, 24 layers; ViT-bigG/14: 1280, 20, 32; gelu).

    mode "sd2": last_hidden_state = ln_final(output of the penultimate block) (FrozenOpenCLIPEmbedder with
    layer "penultimate"), pooler_output at the end token.
    mode "sdxl": text_embeds = ln_final(last block's output) at the end token @ text_projection (pooled),
    last_hidden_state, and hidden_states.N for N in `hidden_states` (N blocks applied, no final norm), as
    FrozenOpenCLIPEmbedder2 and diffusers' CLIPTextModelWithProjection give them."""

    def __init__(self, vocab=49408, dim=1024, heads=16, layers=24, positions=77, mode="sd2", hidden_states=()):
        super().__init__()
        self.mode, self.hidden_states = mode, tuple(hidden_states)
        self.token_embedding = nn.Embedding(vocab, dim, **dd())
        self.positional_embedding = nn.Parameter(torch.empty(positions, dim, **dd()))
        self.transformer = OpenClipTransformer(dim, heads, layers)
        self.ln_final = layer_norm(dim)
        self.text_projection = nn.Parameter(torch.empty(dim, dim, **dd()))
        self.logit_scale = nn.Parameter(torch.empty((), **dd()))

    def forward(self, input_ids):
        ids = input_ids.long()
        n = ids.shape[1]
        x = self.token_embedding(ids) + self.positional_embedding[:n][None]
        mask = causal_mask(n, x)
        eos = ids.argmax(dim=-1)
        rows = torch.arange(ids.shape[0])
        blocks = self.transformer.resblocks
        if self.mode == "sd2":
            for block in blocks[:-1]:
                x = block(x, mask)
            last = self.ln_final(x)
            return last, last[rows, eos]
        states = [x]
        for block in blocks:
            x = block(x, mask)
            states.append(x)
        last = self.ln_final(x)
        pooled = last[rows, eos] @ self.text_projection
        return tuple([pooled, last] + [states[i] for i in self.hidden_states])
