"""Tiny latent-diffusion components: VAE (f=4), CLIP-style text encoder, cross-attention UNet.

Everything here is plain torch and ONNX-exportable (opset 14+).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


def gn(c):
    return nn.GroupNorm(min(32, c // 4) if c >= 8 else 1, c, eps=1e-6)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, temb=None):
        super().__init__()
        self.n1, self.c1 = gn(cin), nn.Conv2d(cin, cout, 3, padding=1)
        self.t = nn.Linear(temb, cout) if temb else None
        # adaptive group norm: the (time + global text) embedding also scales the second norm's output
        # (zero-initialised, so the block starts as a plain additive-embedding ResBlock)
        self.ts = nn.Linear(temb, cout) if temb else None
        if self.ts is not None:
            nn.init.zeros_(self.ts.weight)
            nn.init.zeros_(self.ts.bias)
        self.n2, self.c2 = gn(cout), nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, t=None):
        h = self.c1(F.silu(self.n1(x)))
        if self.t is not None:
            st = F.silu(t)
            h = h + self.t(st)[:, :, None, None]
            h = self.n2(h) * (1 + self.ts(st)[:, :, None, None])
        else:
            h = self.n2(h)
        h = self.c2(F.silu(h))
        return self.skip(x) + h


# ----------------------------------------------------------------------------- VAE

class Encoder(nn.Module):
    def __init__(self, ch=(32, 64, 96), zc=4):
        super().__init__()
        c0, c1, c2 = ch
        self.conv_in = nn.Conv2d(3, c0, 3, padding=1)
        self.b0 = ResBlock(c0, c0)
        self.d0 = nn.Conv2d(c0, c0, 3, stride=2, padding=1)
        self.b1 = ResBlock(c0, c1)
        self.d1 = nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.b2 = ResBlock(c1, c2)
        self.b3 = ResBlock(c2, c2)
        self.norm = gn(c2)
        self.conv_out = nn.Conv2d(c2, 2 * zc, 3, padding=1)

    def forward(self, x):
        h = self.d0(self.b0(self.conv_in(x)))
        h = self.d1(self.b1(h))
        h = self.b3(self.b2(h))
        mean, logvar = self.conv_out(F.silu(self.norm(h))).chunk(2, dim=1)
        return mean, logvar.clamp(-30, 20)


class Decoder(nn.Module):
    def __init__(self, ch=(32, 64, 96), zc=4):
        super().__init__()
        c0, c1, c2 = ch
        self.conv_in = nn.Conv2d(zc, c2, 3, padding=1)
        self.b0 = ResBlock(c2, c2)
        self.b1 = ResBlock(c2, c2)
        self.u0 = nn.Conv2d(c2, c1, 3, padding=1)
        self.b2 = ResBlock(c1, c1)
        self.u1 = nn.Conv2d(c1, c0, 3, padding=1)
        self.b3 = ResBlock(c0, c0)
        self.norm = gn(c0)
        self.conv_out = nn.Conv2d(c0, 3, 3, padding=1)

    def forward(self, z):
        h = self.b1(self.b0(self.conv_in(z)))
        h = self.b2(self.u0(F.interpolate(h, scale_factor=2.0, mode="nearest")))
        h = self.b3(self.u1(F.interpolate(h, scale_factor=2.0, mode="nearest")))
        return self.conv_out(F.silu(self.norm(h)))


class VAE(nn.Module):
    def __init__(self, ch=(32, 64, 96), zc=4):
        super().__init__()
        self.ch, self.zc = list(ch), zc
        self.encoder, self.decoder = Encoder(ch, zc), Decoder(ch, zc)


# ----------------------------------------------------------------------------- text encoder

class TextEncoder(nn.Module):
    """CLIP-style causal transformer. ids (full CLIP id space) -> compact row -> embedding."""

    def __init__(self, id_map, n_rows, dim=256, layers=3, heads=4, mlp=2, max_len=77):
        super().__init__()
        self.register_buffer("id_map", torch.as_tensor(id_map, dtype=torch.long))  # [49408]
        self.tok = nn.Embedding(n_rows, dim)
        self.pos = nn.Parameter(torch.zeros(max_len, dim))
        nn.init.normal_(self.tok.weight, std=0.02)
        nn.init.normal_(self.pos, std=0.01)
        self.layers = nn.ModuleList(
            [TBlock(dim, heads, mlp, self_attn=True, cross=None, causal=True) for _ in range(layers)])
        self.final_norm = nn.LayerNorm(dim)
        self.dim, self.n_layers, self.heads, self.mlp, self.max_len = dim, layers, heads, mlp, max_len
        self.n_rows = n_rows
        mask = torch.full((max_len, max_len), float("-inf")).triu(1)
        self.register_buffer("causal", mask)
        # bag-of-words path: the mean of the token embeddings over the prompt's word tokens (between BOS and
        # the first EOS), normalised and projected, is added to every output position. It gives each prompt a
        # distinct, class-like feature from the first step (the transformer path alone collapsed single-word
        # prompts onto nearly the same state), and the UNet's token-mean picks it up. It shares the token
        # table, so it costs only a LayerNorm and a Linear.
        self.bow_norm = nn.LayerNorm(dim)
        self.bow_out = nn.Linear(dim, dim)
        with torch.no_grad():
            self.bow_out.weight.mul_(0.5)
            self.bow_out.bias.zero_()
        self.register_buffer("positions", torch.arange(max_len))

    def bow(self, rows, eos):
        L = rows.shape[1]
        pos = self.positions[:L][None]
        m = ((pos >= 1) & (pos < eos[:, None])).to(torch.float32)[:, :, None]
        b = (self.tok(rows) * m).sum(dim=1) / m.sum(dim=1).clamp(min=1.0)
        return self.bow_out(self.bow_norm(b))

    def forward(self, ids):
        L = ids.shape[1]
        rows = self.id_map[ids.long()]
        h = self.tok(rows) + self.pos[:L]
        mask = self.causal[:L, :L]
        for blk in self.layers:
            h = blk(h, mask=mask)
        eos = ids.to(torch.int32).argmax(dim=-1).long()  # as CLIP: EOS has the highest id
        h = self.final_norm(h) + self.bow(rows, eos)[:, None]
        pooled = h[torch.arange(h.shape[0]), eos]
        return h, pooled


# ----------------------------------------------------------------------------- attention

class Attn(nn.Module):
    def __init__(self, dim, heads, kv_dim=None):
        super().__init__()
        kv_dim = kv_dim or dim
        self.h = heads
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(kv_dim, dim, bias=False)
        self.v = nn.Linear(kv_dim, dim, bias=False)
        self.o = nn.Linear(dim, dim)

    def forward(self, x, ctx=None, mask=None):
        ctx = x if ctx is None else ctx
        B, N, C = x.shape
        M = ctx.shape[1]
        d = C // self.h
        q = self.q(x).reshape(B, N, self.h, d).transpose(1, 2)
        k = self.k(ctx).reshape(B, M, self.h, d).transpose(1, 2)
        v = self.v(ctx).reshape(B, M, self.h, d).transpose(1, 2)
        a = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(d))
        if mask is not None:
            a = a + mask
        a = a.softmax(dim=-1)
        out = (a @ v).transpose(1, 2).reshape(B, N, C)
        return self.o(out)


class TBlock(nn.Module):
    def __init__(self, dim, heads, mlp=2, self_attn=True, cross=None, causal=False):
        super().__init__()
        self.n1, self.a1 = nn.LayerNorm(dim), Attn(dim, heads)
        self.cross = cross is not None
        if self.cross:
            self.n2, self.a2 = nn.LayerNorm(dim), Attn(dim, heads, kv_dim=cross)
        self.n3 = nn.LayerNorm(dim)
        self.ff1, self.ff2 = nn.Linear(dim, dim * mlp), nn.Linear(dim * mlp, dim)

    def forward(self, x, ctx=None, mask=None):
        x = x + self.a1(self.n1(x), mask=mask)
        if self.cross:
            x = x + self.a2(self.n2(x), ctx)
        h = self.ff1(self.n3(x))
        h = h * torch.sigmoid(1.702 * h)  # quick_gelu
        return x + self.ff2(h)


class SpatialTransformer(nn.Module):
    def __init__(self, c, heads, ctx_dim):
        super().__init__()
        self.norm = gn(c)
        self.proj_in = nn.Conv2d(c, c, 1)
        self.block = TBlock(c, heads, mlp=2, cross=ctx_dim)
        self.proj_out = nn.Conv2d(c, c, 1)
        nn.init.zeros_(self.proj_out.weight)
        nn.init.zeros_(self.proj_out.bias)

    def forward(self, x, ctx):
        B, C, H, W = x.shape
        h = self.proj_in(self.norm(x))
        h = h.reshape(B, C, H * W).transpose(1, 2)
        h = self.block(h, ctx)
        h = h.transpose(1, 2).reshape(B, C, H, W)
        return x + self.proj_out(h)


# ----------------------------------------------------------------------------- UNet

def timestep_embedding(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.to(torch.float32)[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)  # flip_sin_to_cos like SD


class UNet(nn.Module):
    def __init__(self, ch=(64, 128, 192), attn=(True, True, True), ctx_dim=256, heads=4, zc=4):
        super().__init__()
        self.ch, self.attn_levels, self.ctx_dim, self.heads, self.zc = list(ch), list(attn), ctx_dim, heads, zc
        tdim = ch[0] * 2
        self.tdim0 = ch[0]
        self.temb = nn.Sequential(nn.Linear(ch[0], tdim), nn.SiLU(), nn.Linear(tdim, tdim))
        # global text conditioning: the mean of encoder_hidden_states over tokens is added to the timestep
        # embedding (every ResBlock sees it); cross-attention adds the per-token detail
        self.ctx_proj = nn.Linear(ctx_dim, tdim)
        nn.init.zeros_(self.ctx_proj.weight)
        nn.init.zeros_(self.ctx_proj.bias)
        # a non-linear global path on the same token-mean (zero-initialised output)
        self.ctx_mlp = nn.Sequential(nn.Linear(ctx_dim, tdim), nn.SiLU(), nn.Linear(tdim, tdim))
        nn.init.zeros_(self.ctx_mlp[2].weight)
        nn.init.zeros_(self.ctx_mlp[2].bias)
        self.conv_in = nn.Conv2d(zc, ch[0], 3, padding=1)
        self.down_res, self.down_attn, self.downs = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        skips = [ch[0]]
        cin = ch[0]
        for i, c in enumerate(ch):
            self.down_res.append(ResBlock(cin, c, tdim))
            self.down_attn.append(SpatialTransformer(c, heads, ctx_dim) if attn[i] else nn.Identity())
            skips.append(c)
            cin = c
            if i < len(ch) - 1:
                self.downs.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
                skips.append(c)
        self.mid1 = ResBlock(cin, cin, tdim)
        self.mid_attn = SpatialTransformer(cin, heads, ctx_dim)
        self.up_res, self.up_attn, self.ups = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
        for i in reversed(range(len(ch))):
            c = ch[i]
            for j in range(2):
                self.up_res.append(ResBlock(cin + skips.pop(), c, tdim))
                self.up_attn.append(SpatialTransformer(c, heads, ctx_dim) if attn[i] else nn.Identity())
                cin = c
            if i > 0:
                self.ups.append(nn.Conv2d(c, c, 3, padding=1))
        assert not skips
        self.norm_out = gn(cin)
        self.conv_out = nn.Conv2d(cin, zc, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)

    def _attn(self, m, h, ctx):
        return h if isinstance(m, nn.Identity) else m(h, ctx)

    def forward(self, x, t, ctx):
        if t.dim() == 0:
            t = t.reshape(1).expand(x.shape[0])
        g = ctx.mean(dim=1)
        temb = self.temb(timestep_embedding(t, self.tdim0)) + self.ctx_proj(g) + self.ctx_mlp(g)
        h = self.conv_in(x)
        hs = [h]
        for i in range(len(self.ch)):
            h = self._attn(self.down_attn[i], self.down_res[i](h, temb), ctx)
            hs.append(h)
            if i < len(self.ch) - 1:
                h = self.downs[i](h)
                hs.append(h)
        h = self.mid_attn(self.mid1(h, temb), ctx)
        k = 0
        for n, i in enumerate(reversed(range(len(self.ch)))):
            for j in range(2):
                h = self.up_res[k](torch.cat([h, hs.pop()], dim=1), temb)
                h = self._attn(self.up_attn[k], h, ctx)
                k += 1
            if i > 0:
                h = self.ups[n](F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.conv_out(F.silu(self.norm_out(h)))


def n_params(m):
    return sum(p.numel() for p in m.parameters())
