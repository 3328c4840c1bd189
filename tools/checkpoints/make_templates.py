#!/usr/bin/python3
"""
Writes the checkpoint-import graph templates: ONNX graphs of the LDM modules whose initializers carry the
single-file checkpoint's own key names and shapes but no weights (external-data placeholders the studio's
import points into the checkpoint file), plus template.json listing every key the checkpoint holds.

    nice -n 10 /usr/bin/python3 tools/checkpoints/make_templates.py [sd1|sd2|sdxl ...]   -> templates/checkpoints/<family>/
    nice -n 10 /usr/bin/python3 tools/checkpoints/make_templates.py --tiny               -> tools/fixtures/checkpoints/

How a full-size graph is exported without its weights (SDXL's UNet alone is 10 GB in float32): the modules
are built on the meta device, then every parameter is replaced by a zero-stride view of a single zero
(a few bytes whatever its shape), and torch.onnx.export runs with export_params=False on a 64x64 input, so
parameters become graph inputs named by their state_dict keys. Those inputs are then turned into
placeholder initializers named with the checkpoint prefix, each read through a Cast to float32 (a no-op
for float32 checkpoints, folded by ONNX Runtime at load time for float16/bfloat16 ones). Peak memory stays
under 1.5 GB for SDXL.

--tiny also writes tiny random-weight checkpoints in the LDM key layout (float32 and float16) made by the
same modules and golden PyTorch runs of them (Euler, Karras, 4 steps, CFG 5, prompt "a", seed 1234), which
the studio's import must reproduce.
"""
import json
import os
import struct
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools", "fixtures"))

import ldm  # noqa: E402
from families import components, configs, extra_keys  # noqa: E402

OPSET = 17
torch.set_num_threads(1)

IO = {
    "text_encoder": (["input_ids"], {"input_ids": {0: "batch", 1: "sequence"}}),
    "text_encoder_2": (["input_ids"], {"input_ids": {0: "batch", 1: "sequence"}}),
    "unet": (["sample", "timestep", "encoder_hidden_states"],
             {"sample": {0: "batch", 2: "height", 3: "width"}, "timestep": {0: "steps"}, "encoder_hidden_states": {0: "batch", 1: "sequence"}}),
    "vae_decoder": (["latent_sample"], {"latent_sample": {0: "batch", 2: "height", 3: "width"}}),
    "vae_encoder": (["sample"], {"sample": {0: "batch", 2: "height", 3: "width"}}),
}


def outputs_of(name, module):
    if name.startswith("text_encoder"):
        hs = [f"hidden_states.{i}" for i in module.hidden_states]
        if isinstance(module, ldm.OpenClipText) and module.mode == "sdxl":
            return ["text_embeds", "last_hidden_state"] + hs
        return ["last_hidden_state", "pooler_output"] + hs
    return {"unet": ["out_sample"], "vae_decoder": ["sample"], "vae_encoder": ["latent_parameters"]}[name]


def example_inputs(name, module):
    if name.startswith("text_encoder"):
        ids = torch.zeros(1, 77, dtype=torch.int32)
        ids[0, 0], ids[0, 1] = 5, 9
        return (ids,)
    if name == "unet":
        ctx = module.context_dim
        args = [torch.zeros(1, 4, 8, 8), torch.tensor([500.0]), torch.zeros(1, 77, ctx)]
        if module.adm:
            args += [torch.zeros(1, module.adm - 6 * module.adm_time_dim), torch.zeros(1, 6)]
        return tuple(args)
    if name == "vae_decoder":
        return (torch.zeros(1, 4, 8, 8),)
    return (torch.zeros(1, 3, 64, 64),)


_FNS = {}


def full_weight(g, w, shape):
    """The stand-in weight expanded to its true shape in the graph (so shape inference sees the real
    shapes); export_component turns each such Expand into a Cast of the checkpoint's initializer."""
    return g.op("Expand", w, g.op("Constant", value_t=torch.tensor(shape, dtype=torch.int64)))


def _linear_fn(out, inp):
    """nn.Linear for export: emits MatMul(x, Transpose(W)) (+ Add b) and computes nothing. Tracing the
    real op (or even handing the tracer a full-shape weight) keeps a dense copy of every weight alive
    until the export ends (3.7 GB for SD1.5's UNet), so the weights seen by the tracer are 1-element
    stand-ins and the true shapes come from the module (and from the state_dict after export)."""
    if ("linear", out, inp) not in _FNS:
        def forward(ctx, x, w, b):
            return torch.zeros(tuple(int(d) for d in x.shape[:-1]) + (out,), dtype=x.dtype)

        def symbolic(g, x, w, b):
            y = g.op("MatMul", x, g.op("Transpose", full_weight(g, w, [out, inp]), perm_i=[1, 0]))
            return y if b is None or b.node().mustBeNone() else g.op("Add", y, b)
        _FNS[("linear", out, inp)] = type(f"Linear{out}x{inp}", (torch.autograd.Function,), {"forward": staticmethod(forward), "symbolic": staticmethod(symbolic)})
    return _FNS[("linear", out, inp)]


def _conv_fn(out, inp, k, stride, padding):
    """The same for Conv2d (one class per configuration: scalars passed through apply() upset the exporter)."""
    key = ("conv", out, inp, k, stride, padding)
    if key not in _FNS:
        def forward(ctx, x, w, b):
            # Plain ints: traced sizes would record shape arithmetic the exporter cannot place.
            n, _, h, wd = [int(d) for d in x.shape]
            side = lambda v: (v + 2 * padding - k) // stride + 1
            return torch.zeros((n, out, side(h), side(wd)), dtype=x.dtype)

        def symbolic(g, x, w, b):
            wf = full_weight(g, w, [out, inp, k, k])
            args = [x, wf] if b is None or b.node().mustBeNone() else [x, wf, b]
            return g.op("Conv", *args, kernel_shape_i=[k, k], strides_i=[stride, stride], pads_i=[padding] * 4, dilations_i=[1, 1], group_i=1)
        _FNS[key] = type(f"Conv{out}x{inp}k{k}s{stride}p{padding}", (torch.autograd.Function,), {"forward": staticmethod(forward), "symbolic": staticmethod(symbolic)})
    return _FNS[key]


def export_linear(self, x):
    return _linear_fn(self.out_features, self.in_features).apply(x, self.weight, self.bias)


def export_conv(self, x):
    assert self.groups == 1 and self.dilation == (1, 1) and self.stride[0] == self.stride[1] and self.padding[0] == self.padding[1]
    return _conv_fn(self.out_channels, self.in_channels, self.kernel_size[0], self.stride[0], self.padding[0]).apply(x, self.weight, self.bias)


def bare_linear(x, w, b):
    return _linear_fn(int(b.shape[0]), int(x.shape[-1])).apply(x, w, b)


def build(factory, meta):
    ldm.DEVICE["device"] = "meta" if meta else None
    try:
        return factory().eval()
    finally:
        ldm.DEVICE["device"] = None


def weightless(module):
    """Replaces every parameter and buffer with a zero-stride view of one number: full shape, no storage.
    Linear and Conv weights (read only by the export stand-ins) get one element of the same rank. The
    numbers differ, because the exporter merges parameters that compare equal into one initializer."""
    for i, (full, p) in enumerate(list(module.named_parameters()) + list(module.named_buffers())):
        owner = module
        *path, leaf = full.split(".")
        for part in path:
            owner = getattr(owner, part)
        stand_in = leaf == "in_proj_weight" or (leaf == "weight" and isinstance(owner, (nn.Linear, nn.Conv2d)))
        shape = [1] * p.dim() if stand_in else p.shape
        z = torch.full((), (i + 1) * (1e-4 if p.dtype.is_floating_point else 1), dtype=p.dtype).expand(shape)
        if isinstance(p, nn.Parameter):
            setattr(owner, leaf, nn.Parameter(z, requires_grad=False))
        else:
            owner._buffers[leaf] = z
    return module


def state_keys(module, prefix):
    keys = {}
    for k, v in module.state_dict(keep_vars=True).items():
        keys[prefix + k] = {"shape": list(v.shape), "dtype": "I64" if v.dtype == torch.int64 else "float"}
    return keys


def placeholder(name, dims):
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.FLOAT
    t.dims.extend(dims)
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", "weights.safetensors"), ("offset", "0"), ("length", str(4 * int(np.prod(dims)) if dims else 4))):
        e = t.external_data.add()
        e.key, e.value = k, v
    return t


def io_spec(name, module):
    inputs, axes = IO[name]
    example = example_inputs(name, module)
    if name == "unet" and module.adm:
        inputs = inputs + ["text_embeds", "time_ids"]
        axes = dict(axes, text_embeds={0: "batch"}, time_ids={0: "batch"})
    outs = outputs_of(name, module)
    axes = dict(axes)
    for o in outs:
        axes[o] = {0: "batch"} if o in ("text_embeds", "pooler_output") else ({0: "batch", 1: "sequence"} if name.startswith("text") else {0: "batch", 2: "height", 3: "width"})
    return example, inputs, outs, axes


def export_plain(name, module, path):
    """The usual export, weights inside the file (the import benchmark's comparison)."""
    example, inputs, outs, axes = io_spec(name, module)
    with torch.no_grad():
        torch.onnx.export(module, example, path, input_names=inputs, output_names=outs, dynamic_axes=axes, opset_version=OPSET)


def export_component(name, module, prefix, path, shapes):
    """Exports `module` with its parameters as placeholder initializers named prefix + state_dict key."""
    example, inputs, outs, axes = io_spec(name, module)
    tmp = path + ".tmp"
    saved = nn.Linear.forward, nn.Conv2d.forward
    nn.Linear.forward, nn.Conv2d.forward = export_linear, export_conv
    ldm.LINEAR["fn"] = bare_linear
    try:
        with torch.no_grad():
            torch.onnx.export(module, example, tmp, input_names=inputs, output_names=outs, dynamic_axes=axes, opset_version=OPSET,
                              export_params=False, do_constant_folding=False)
    finally:
        nn.Linear.forward, nn.Conv2d.forward = saved
        ldm.LINEAR["fn"] = torch.nn.functional.linear
    model = onnx.load(tmp)
    os.remove(tmp)
    g = model.graph
    params = shapes  # the true shapes, taken before weightless() put in stand-ins
    used = set(i for n in g.node for i in n.input)
    keep_inputs = [i for i in g.input if i.name not in params]
    casts, inits = [], []
    # A stand-in weight reaches its Conv/MatMul through Expand(weight, true shape): that Expand becomes
    # the Cast of the initializer; any other parameter gets a Cast named as the graph input it replaces.
    expand_of = {n.input[0]: n for n in g.node if n.op_type == "Expand" and n.input[0] in params}
    for i in g.input:
        if i.name in params and i.name in used:
            key = prefix + i.name
            inits.append(placeholder(key, params[i.name]))
            if i.name in expand_of:
                n = expand_of[i.name]
                cast = helper.make_node("Cast", [key], [n.output[0]], to=TensorProto.FLOAT, name="cast/" + key)
                n.CopyFrom(cast)
            else:
                casts.append(helper.make_node("Cast", [key], [i.name], to=TensorProto.FLOAT, name="cast/" + key))
    live = set(x for n in g.node for x in n.input) | set(o.name for o in g.output)
    dead = [n for n in g.node if n.op_type == "Constant" and n.output[0] not in live]
    for n in dead:
        g.node.remove(n)
    del g.input[:]
    g.input.extend(keep_inputs)
    g.initializer.extend(inits)
    nodes = casts + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    del g.value_info[:]  # inferred with the 1-element stand-ins; ONNX Runtime infers its own
    model.producer_name = "sigma-studio checkpoint template"
    onnx.save(model, path)
    return sorted(prefix + k for k in params if k in used)


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")


def make_template(family, out, tiny=False, vocab=49408):
    os.makedirs(out, exist_ok=True)
    keys = dict(extra_keys(family))
    comps = {}
    for name, factory, prefix in components(family, tiny, vocab):
        module = build(factory, meta=True)
        keys.update(state_keys(module, prefix))
        shapes = {k: list(v.shape) for k, v in module.state_dict(keep_vars=True).items()}
        weightless(module)
        used = export_component(name, module, prefix, os.path.join(out, name + ".onnx"), shapes)
        comps[name] = {"file": name + ".onnx", "prefix": prefix, "keys": len(used)}
        print(f"  {family}{' tiny' if tiny else ''} {name}: {len(used)} initializers, {os.path.getsize(os.path.join(out, name + '.onnx')) / 1e6:.2f} MB", flush=True)
        del module
    write_json(os.path.join(out, "template.json"), dict({"format": "sigma-studio-checkpoint-template/1", "family": family, "tiny": tiny,
                                                         "components": comps}, **configs(family, tiny), keys=dict(sorted(keys.items()))))
    return keys


def main():
    args = sys.argv[1:]
    if "--tiny" in args:
        import tiny_fixtures
        tiny_fixtures.main(make_template)
        return
    for family in args or ["sd1", "sd2", "sdxl"]:
        make_template(family, os.path.join(ROOT, "templates", "checkpoints", family))


if __name__ == "__main__":
    main()
