"""Fixtures and float64 reference gradients for the attention backward rules (backward-attention.test.ts).

Run: /usr/bin/python3 attention_grads.py. It writes four small onnx.helper graphs that use every rule
of backward-attention.ts and the attention cases of the others (decomposed LayerNorm through
ReduceMean/Sub/Pow/Sqrt/Div, Q·Kᵀ and attn·V MatMuls with broadcast batch axes, Softmax after a
causal Where, LogSoftmax, torch's GELU through Erf, the fused Gelu of opset 20 in both forms, fused
LayerNormalization with trainable scale/bias, Gather of a class token and of repeated indices, Expand
of a trainable class token, Softmax before opset 13 coerced to 2-D, a Slice with a negative step),
then evaluates each graph, and the three transformer exports of src/core/graph/test-data (ViT,
TransformerEncoder, Swin with its strided patch-merging Slices), node by node with torch in float64,
and records from autograd, for every checked activation, Σ a·∂C/∂a per index of axis 1 and ∂C/∂a
along the direction a_i·sin(1.7·i + 0.3) (as reference_grads.py), and for trainable parameters ∂C/∂p
along sin(1.7·i + 0.3) and at three coordinates (as param_grads.py). C = Σ cross-entropy(one-hot
target, softmax(logits)), the backward graph's class loss. Activations whose sums cancel to under 1 %
of their terms are left out: float32 cannot resolve them.
"""
import json
import math
import os

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto as T, helper as h, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
GRAPH_DATA = os.path.join(HERE, "..", "..", "graph", "test-data")


def attrs(node):
    return {a.name: h.get_attribute_value(a) for a in node.attribute}


def ints(t):
    return [int(v) for v in t.reshape(-1)]


def softmax_like(fn, x, a, opset):
    axis = a.get("axis", -1 if opset >= 13 else 1)
    if opset >= 13:
        return fn(x, axis)
    axis %= x.dim()
    flat = x.reshape(list(x.shape[:axis]) + [-1])
    return fn(flat, -1).reshape(x.shape)


def layer_norm(x, scale, bias, a):
    axis = a.get("axis", -1) % x.dim()
    dims = tuple(range(axis, x.dim()))
    mu = x.mean(dims, keepdim=True)
    var = ((x - mu) ** 2).mean(dims, keepdim=True)
    y = (x - mu) / torch.sqrt(var + a.get("epsilon", 1e-5)) * scale
    return y + bias if bias is not None else y


def run_node(node, x, opset):
    a = attrs(node)
    op = node.op_type
    i = [x[n] if n else None for n in node.input]
    if op in ("Identity", "Dropout"):
        return i[0]
    if op == "Constant":
        v = numpy_helper.to_array(a["value"])
        return torch.tensor(v.astype(np.float64) if v.dtype.kind == "f" else v)
    if op == "Shape":
        return torch.tensor(list(i[0].shape), dtype=torch.int64)
    if op == "Gather":
        axis = a.get("axis", 0) % i[0].dim()
        idx = i[1] % i[0].shape[axis]
        return torch.index_select(i[0], axis, idx.reshape(-1)).reshape(list(i[0].shape[:axis]) + list(idx.shape) + list(i[0].shape[axis + 1:]))
    if op == "Cast":
        return i[0].to(torch.int64 if a["to"] == T.INT64 else torch.bool if a["to"] == T.BOOL else torch.float64)
    if op == "Unsqueeze":
        axes = ints(i[1]) if len(i) > 1 else a["axes"]
        y = i[0]
        for ax in sorted(v % (i[0].dim() + len(axes)) for v in axes):
            y = y.unsqueeze(ax)
        return y
    if op == "Concat":
        return torch.cat(i, a["axis"])
    if op == "Reshape":
        shape = [int(i[0].shape[k]) if d == 0 else d for k, d in enumerate(ints(i[1]))]
        return i[0].reshape(shape)
    if op == "Transpose":
        return i[0].permute(a.get("perm", list(range(i[0].dim()))[::-1]))
    if op == "ConstantOfShape":
        v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return torch.tensor(np.full(ints(i[0]), v.reshape(-1)[0]))
    if op == "Equal":
        return i[0] == i[1]
    if op == "Less":
        return i[0] < i[1]
    if op == "Where":
        return torch.where(i[0], i[1], i[2])
    if op == "Expand":
        shape = torch.broadcast_shapes(tuple(i[0].shape), tuple(ints(i[1])))
        return i[0].expand(shape)
    if op in ("Add", "Sub", "Mul", "Div", "Pow"):
        fn = {"Add": torch.add, "Sub": torch.sub, "Mul": torch.mul, "Div": torch.div, "Pow": torch.pow}[op]
        if i[0].dtype == torch.int64 and op == "Div":
            return torch.div(i[0], i[1], rounding_mode="trunc")
        return fn(i[0], i[1])
    if op == "ReduceMean":
        axes = a.get("axes", list(range(i[0].dim())))
        return i[0].mean(tuple(axes), keepdim=bool(a.get("keepdims", 1)))
    if op == "Sqrt":
        return torch.sqrt(i[0])
    if op == "Erf":
        return torch.erf(i[0])
    if op == "Tanh":
        return torch.tanh(i[0])
    if op == "Relu":
        return torch.relu(i[0])
    if op == "Gelu":
        return F.gelu(i[0], approximate=a.get("approximate", b"none").decode())
    if op == "MatMul":
        return torch.matmul(i[0], i[1])
    if op == "Gemm":
        am = i[0].t() if a.get("transA", 0) else i[0]
        bm = i[1].t() if a.get("transB", 0) else i[1]
        y = a.get("alpha", 1.0) * (am @ bm)
        return y + a.get("beta", 1.0) * i[2] if len(i) > 2 else y
    if op == "Conv":
        return F.conv2d(i[0], i[1], i[2], a.get("strides", [1, 1]), a.get("pads", [0, 0, 0, 0])[:2])
    if op == "Slice":
        starts, ends = ints(i[1]), ints(i[2])
        axes = ints(i[3]) if len(i) > 3 and i[3] is not None else list(range(len(starts)))
        steps = ints(i[4]) if len(i) > 4 else [1] * len(starts)
        idx = [slice(None)] * i[0].dim()
        for s_, e_, ax, st in zip(starts, ends, axes, steps):
            idx[ax] = slice(s_, max(min(e_, 2 ** 62), -2 ** 62), st)
        if i[0].dtype != torch.float64:  # shape arithmetic
            return torch.tensor(i[0].numpy()[tuple(idx)].copy())
        y = i[0]
        for ax, sl in enumerate(idx):  # torch has no negative steps: pick the positions python's slice reads
            y = torch.index_select(y, ax, torch.tensor(list(range(*sl.indices(y.shape[ax]))), dtype=torch.int64))
        return y
    if op == "Mod":
        return torch.remainder(i[0], i[1])
    if op == "Range":
        return torch.arange(i[0].item(), i[1].item(), i[2].item(), dtype=i[0].dtype)
    if op == "ScatterND":
        out = i[0].clone()
        flat_idx = i[1].reshape(-1, i[1].shape[-1])
        flat_upd = i[2].reshape([flat_idx.shape[0]] + list(i[2].shape[i[1].dim() - 1:]))
        for k in range(flat_idx.shape[0]):
            out[tuple(int(v) for v in flat_idx[k])] = flat_upd[k]
        return out
    if op == "Not":
        return torch.logical_not(i[0])
    if op == "Pad":
        pads = ints(i[1])
        r = len(pads) // 2
        flat = []
        for ax in reversed(range(r)):
            flat += [pads[ax], pads[r + ax]]
        value = float(i[2]) if len(i) > 2 and i[2] is not None else 0.0
        assert a.get("mode", b"constant") == b"constant"
        return F.pad(i[0], flat, value=value)
    if op == "GlobalAveragePool":
        return i[0].mean(tuple(range(2, i[0].dim())), keepdim=True)
    if op == "Flatten":
        axis = a.get("axis", 1)
        return i[0].reshape(int(np.prod(i[0].shape[:axis])), -1)
    if op == "Softmax":
        return softmax_like(torch.softmax, i[0], a, opset)
    if op == "LogSoftmax":
        return softmax_like(torch.log_softmax, i[0], a, opset)
    if op == "LayerNormalization":
        return layer_norm(i[0], i[1], i[2] if len(i) > 2 else None, a)
    raise NotImplementedError(op)


def opset_of(model):
    return next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))


def no_zero_weights(model):
    """torchvision zero-initialises ViT's head and class token (every gradient would be 0): all-zero float
    initializers get 0.1·sin(1.3·i + 0.7) instead; backward-attention.test.ts does the same."""
    for t in model.graph.initializer:
        v = numpy_helper.to_array(t)
        if v.dtype == np.float32 and v.size and not v.any():
            t.CopyFrom(numpy_helper.from_array((0.1 * np.sin(1.3 * np.arange(v.size) + 0.7)).astype(np.float32).reshape(v.shape), t.name))


def direction(n):
    return torch.tensor([math.sin(1.7 * k + 0.3) for k in range(n)], dtype=torch.float64)


def make_case(path, inp, checked, trainable=(), seed=0):
    """Autograd gradients of the class loss for the activations named by `checked(node)` and for `trainable`."""
    model = onnx.load(path)
    no_zero_weights(model)
    opset = opset_of(model)
    rng = np.random.default_rng(seed)
    x = {t.name: torch.tensor(numpy_helper.to_array(t).astype(np.float64) if numpy_helper.to_array(t).dtype.kind == "f" else numpy_helper.to_array(t))
         for t in model.graph.initializer}
    params = {p: x[p].clone().requires_grad_(True) for p in trainable}
    x.update(params)
    x["input"] = torch.tensor(inp)
    acts = []
    for node in model.graph.node:
        x[node.output[0]] = run_node(node, x, opset)
        t = x[node.output[0]]
        if checked(node) and t.dtype == torch.float64:
            # A tensor computed from constants only becomes a leaf; the others keep their graph.
            if not t.requires_grad:
                t.requires_grad_(True)
            t.retain_grad()
            acts.append(node.output[0])
    out = model.graph.output[0].name
    logits = x[out]
    hot = rng.integers(0, logits.shape[1], logits.shape[0])
    target = torch.tensor(np.eye(logits.shape[1])[hot])
    loss = -(target * torch.log_softmax(logits, 1)).sum()
    loss.backward()
    case = {"model": os.path.basename(path), "input": {"dims": list(inp.shape), "data": inp.reshape(-1).tolist()},
            "targets": {out: {"dims": list(target.shape), "data": target.reshape(-1).tolist(), "isProbs": False}},
            "activations": {}, "params": {}}
    for act in acts:
        a, g = x[act].detach(), x[act].grad
        if g is None:
            continue
        per_channel = (a * g).transpose(0, 1).reshape(a.shape[1], -1).sum(1)
        # LayerNorm inputs: the loss barely changes when a whole row is scaled (only ε sees it), so the
        # per-channel sums cancel to ~1e-3 of their terms and float32 cannot resolve them; left out.
        if per_channel.norm() < 1e-2 * (a * g).abs().transpose(0, 1).reshape(a.shape[1], -1).sum(1).norm():
            continue
        terms = g.reshape(-1) * direction(a.numel()) * a.reshape(-1)
        if terms.sum().abs() < 1e-2 * terms.abs().sum():  # the same for the directional derivative
            continue
        directional = terms.sum()
        case["activations"][act] = {"channelTaylor": per_channel.tolist(), "directional": directional.item()}
    for p, v in params.items():
        g = v.grad.reshape(-1)
        coords = sorted(rng.choice(g.numel(), 3, replace=False).tolist())
        case["params"][p] = {"directional": (g * direction(g.numel())).sum().item(), "coordinates": [[c, g[c].item()] for c in coords]}
    return case


def init(rng, name, shape, scale=0.5):
    return numpy_helper.from_array((rng.normal(0, scale, shape)).astype(np.float32), name)


def const(name, values, dtype=np.int64):
    return numpy_helper.from_array(np.array(values, dtype), name)


def save(nodes, inits, inp_shape, out_shape, name, opset):
    graph = h.make_graph(nodes, name.split(".")[0], [h.make_tensor_value_info("input", T.FLOAT, inp_shape)],
                         [h.make_tensor_value_info("logits", T.FLOAT, out_shape)], inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid("", opset)], producer_name="attention_grads.py")
    model.ir_version = 8
    path = os.path.join(HERE, name)
    onnx.save(model, path)
    return path


def attention_model(rng):
    """Opset 14, input [2, 5, 8]: decomposed LayerNorm, two-head attention with a causal Where, broadcast MatMuls, GELU via Erf, Gathers, a reversed strided Slice."""
    inits = [init(rng, "wq", [8, 8]), init(rng, "wk", [8, 8]), init(rng, "wv", [8, 4]), init(rng, "gamma", [8], 0.3), init(rng, "beta", [8], 0.3),
             init(rng, "head", [8, 4]), init(rng, "head_b", [4], 0.1),
             const("ax1", [1]), const("q_shape", [2, 5, 2, 4]), const("mix_shape", [2, 5, 8]), const("cls", 0), const("picked", [0, 2, 2]),
             numpy_helper.from_array(np.array(2.0, np.float32), "two"), numpy_helper.from_array(np.array(1e-5, np.float32), "eps"),
             numpy_helper.from_array(np.array(math.sqrt(2), np.float32), "sqrt2"), numpy_helper.from_array(np.array(1.0, np.float32), "one"),
             numpy_helper.from_array(np.array(0.5, np.float32), "half"), numpy_helper.from_array(np.array(-1e4, np.float32), "neg"),
             numpy_helper.from_array(np.array(0.1, np.float32), "tenth"),
             numpy_helper.from_array(np.tril(np.ones((5, 5), bool)), "causal"), const("out_shape", [2, 5, 8]),
             const("rev_starts", [4]), const("rev_ends", [-100]), const("rev_axes", [1]), const("rev_steps", [-2])]
    n = h.make_node
    nodes = [
        # Decomposed LayerNorm over the last axis (torch before opset 17).
        n("ReduceMean", ["input"], ["mu"], axes=[-1]), n("Sub", ["input", "mu"], ["centred"]), n("Pow", ["centred", "two"], ["sq"]),
        n("ReduceMean", ["sq"], ["var"], axes=[-1]), n("Add", ["var", "eps"], ["var_eps"]), n("Sqrt", ["var_eps"], ["std"]),
        n("Div", ["centred", "std"], ["xhat"]), n("Mul", ["xhat", "gamma"], ["scaled"]), n("Add", ["scaled", "beta"], ["ln"]),
        # Two heads: q, k [2, 2, 5, 4]; v has one head shared by both ([2, 1, 5, 4], broadcast in attn·V).
        n("MatMul", ["ln", "wq"], ["q"]), n("Reshape", ["q", "q_shape"], ["q4"]), n("Transpose", ["q4"], ["qh"], perm=[0, 2, 1, 3]),
        n("MatMul", ["ln", "wk"], ["k"]), n("Reshape", ["k", "q_shape"], ["k4"]), n("Transpose", ["k4"], ["kt"], perm=[0, 2, 3, 1]),
        n("MatMul", ["qh", "kt"], ["scores"]), n("Div", ["scores", "two"], ["scores_s"]),
        n("Where", ["causal", "scores_s", "neg"], ["masked"]), n("Softmax", ["masked"], ["attn"], axis=-1),
        n("MatMul", ["ln", "wv"], ["v"]), n("Unsqueeze", ["v", "ax1"], ["vh"]), n("MatMul", ["attn", "vh"], ["ctx"]),
        # A rank-3 left operand against rank-4 values: [2, 5, 5] broadcast over the batch axis of [2, 2, 5, 4].
        n("ReduceMean", ["attn"], ["attn_mean"], axes=[1], keepdims=0), n("MatMul", ["attn_mean", "ctx"], ["ctx2"]),
        n("Transpose", ["ctx2"], ["ctx_t"], perm=[0, 2, 1, 3]), n("Reshape", ["ctx_t", "mix_shape"], ["merged"]),
        n("Add", ["merged", "input"], ["res"]),
        # LogSoftmax inside the graph, and a token mean broadcast back by Expand.
        n("LogSoftmax", ["res"], ["logp"], axis=2), n("Mul", ["logp", "tenth"], ["logp_s"]), n("Add", ["res", "logp_s"], ["res2"]),
        n("ReduceMean", ["res2"], ["tok_mean"], axes=[1]), n("Expand", ["tok_mean", "out_shape"], ["tok_b"]), n("Add", ["res2", "tok_b"], ["res3"]),
        # torch's GELU: x·½·(1 + erf(x/√2)).
        n("Div", ["res3", "sqrt2"], ["gx"]), n("Erf", ["gx"], ["erf"]), n("Add", ["erf", "one"], ["erf1"]), n("Mul", ["res3", "erf1"], ["gm"]),
        n("Mul", ["gm", "half"], ["gelu"]),
        # Class token and repeated indices.
        n("Gather", ["gelu", "cls"], ["tok0"], axis=1), n("Gather", ["gelu", "picked"], ["toks"], axis=1),
        n("ReduceMean", ["toks"], ["toks_mean"], axes=[1], keepdims=0), n("Add", ["tok0", "toks_mean"], ["pooled"]),
        # Every second token backwards (tokens 4, 2, 0): a Slice with a negative step.
        n("Slice", ["gelu", "rev_starts", "rev_ends", "rev_axes", "rev_steps"], ["rev"]),
        n("ReduceMean", ["rev"], ["rev_mean"], axes=[1], keepdims=0), n("Add", ["pooled", "rev_mean"], ["pooled2"]),
        n("Gemm", ["pooled2", "head", "head_b"], ["logits"]),
    ]
    return save(nodes, inits, [2, 5, 8], [2, 4], "attention-opset14.onnx", 14)


def fused_model(rng):
    """Opset 17, input [2, 4, 6]: fused LayerNormalization (trainable scale/bias, over the last and the last two axes), trainable class token through Expand, Concat."""
    inits = [init(rng, "ln.scale", [6], 0.3), init(rng, "ln.bias", [6], 0.3), init(rng, "ln2.scale", [5, 6], 0.3), init(rng, "ln2.bias", [5, 6], 0.3),
             init(rng, "cls", [1, 1, 6]), init(rng, "w", [6, 6]), init(rng, "head", [6, 3]), const("cls_shape", [2, 1, 6]), const("zero", 0)]
    n = h.make_node
    nodes = [
        n("Expand", ["cls", "cls_shape"], ["cls_b"]), n("Concat", ["cls_b", "input"], ["tokens"], axis=1),
        n("LayerNormalization", ["tokens", "ln.scale", "ln.bias"], ["ln"], axis=-1, epsilon=1e-5),
        n("MatMul", ["ln", "w"], ["proj"]), n("Transpose", ["proj"], ["proj_t"], perm=[0, 2, 1]), n("MatMul", ["proj", "proj_t"], ["gram"]),
        n("Softmax", ["gram"], ["attn"], axis=-1), n("MatMul", ["attn", "ln"], ["mixed"]),
        n("LayerNormalization", ["mixed", "ln2.scale", "ln2.bias"], ["ln2"], axis=1, epsilon=1e-3),
        n("Gather", ["ln2", "zero"], ["tok0"], axis=1), n("MatMul", ["tok0", "head"], ["logits"]),
    ]
    return save(nodes, inits, [2, 4, 6], [2, 3], "layernorm-opset17.onnx", 17)


def gelu_model(rng):
    """Opset 20, input [2, 3, 5]: the fused Gelu, exact and tanh."""
    inits = [init(rng, "w", [5, 5], 1.0), init(rng, "head", [5, 3]), const("zero", 0)]
    n = h.make_node
    nodes = [n("MatMul", ["input", "w"], ["h"]), n("Gelu", ["h"], ["g1"]), n("MatMul", ["g1", "w"], ["h2"]), n("Gelu", ["h2"], ["g2"], approximate="tanh"),
             n("Gather", ["g2", "zero"], ["tok0"], axis=1), n("MatMul", ["tok0", "head"], ["logits"])]
    return save(nodes, inits, [2, 3, 5], [2, 3], "gelu-opset20.onnx", 20)


def old_softmax_model(rng):
    """Opset 12, input [2, 3, 4]: Softmax and LogSoftmax before opset 13 (coerced to 2-D at axis 1)."""
    inits = [init(rng, "w", [4, 4], 1.0), init(rng, "head", [12, 3]), const("flat", [2, 12])]
    n = h.make_node
    nodes = [n("MatMul", ["input", "w"], ["h"]), n("Softmax", ["h"], ["p"], axis=1), n("Mul", ["h", "p"], ["hp"]),
             n("LogSoftmax", ["hp"], ["lp"]), n("Mul", ["lp", "hp"], ["z"]),
             n("Reshape", ["z", "flat"], ["zf"]), n("MatMul", ["zf", "head"], ["logits"])]
    return save(nodes, inits, [2, 3, 4], [2, 3], "softmax-opset12.onnx", 12)


def tanh_gelu_model(rng):
    """Opset 14, input [2, 3, 5]: GELU(approximate="tanh") as torch exports it below opset 20, ½x(1 + tanh(√(2/π)(x + 0.044715·x³))) (Pow 3)."""
    f = lambda name, v: numpy_helper.from_array(np.array(v, np.float32), name)
    inits = [init(rng, "w", [5, 5], 1.0), init(rng, "head", [5, 3]), const("zero", 0), f("three", 3.0), f("c", 0.044715),
             f("k", math.sqrt(2 / math.pi)), f("one", 1.0), f("half", 0.5)]
    n = h.make_node
    nodes = [n("MatMul", ["input", "w"], ["h"]), n("Pow", ["h", "three"], ["cube"]), n("Mul", ["cube", "c"], ["cube_c"]),
             n("Add", ["h", "cube_c"], ["inner"]), n("Mul", ["inner", "k"], ["u"]), n("Tanh", ["u"], ["t"]), n("Add", ["t", "one"], ["t1"]),
             n("Mul", ["h", "t1"], ["ht"]), n("Mul", ["ht", "half"], ["gelu"]),
             n("Gather", ["gelu", "zero"], ["tok0"], axis=1), n("MatMul", ["tok0", "head"], ["logits"])]
    return save(nodes, inits, [2, 3, 5], [2, 3], "gelu-tanh-opset14.onnx", 14)


if __name__ == "__main__":
    rng = np.random.default_rng(11)
    cases = [
        make_case(attention_model(rng), np.round(rng.normal(0, 1, (2, 5, 8)), 4), lambda node: node.output[0] != "logits", seed=2),
        make_case(fused_model(rng), np.round(rng.normal(0, 1, (2, 4, 6)), 4), lambda node: node.output[0] != "logits",
                  trainable=("ln.scale", "ln.bias", "ln2.scale", "ln2.bias", "cls", "w"), seed=2),
        make_case(gelu_model(rng), np.round(rng.normal(0, 1, (2, 3, 5)), 4), lambda node: node.output[0] != "logits", seed=3),
        make_case(old_softmax_model(rng), np.round(rng.normal(0, 1, (2, 3, 4)), 4), lambda node: node.output[0] != "logits", seed=4),
    ]
    # The transformer exports themselves: every float activation a Conv, MatMul, Gemm, Softmax, Erf or LayerNorm step produces.
    on_path = lambda node: node.op_type in ("Conv", "MatMul", "Softmax", "Erf", "Sqrt", "Div", "Add", "Slice", "Gather", "Relu", "ReduceMean") and node.output[0] != "output"
    # Every parameter training updates by default (trainableParameters; the test checks the list): patch Conv,
    # class token (Expand), position embedding (Add), packed in-projections (MatMul, 3-D left operand) and
    # their biases (Add), out-projections and head (Gemm), MLP MatMuls and their biases (Add).
    vit_params = ("t1", "t2", "t0", "t3", "t4", "t14", "t5", "t6", "t15", "t7", "t16", "t8", "t17", "t9", "t18", "t10", "t19", "t11", "t12", "t13")
    cases.append(make_case(os.path.join(GRAPH_DATA, "tiny-vit.onnx"), np.round(rng.normal(0, 1, (2, 3, 32, 32)), 3), on_path, vit_params, seed=5))
    cases.append(make_case(os.path.join(GRAPH_DATA, "tiny-encoder.onnx"), np.round(rng.normal(0, 1, (2, 3, 16, 16)), 3), on_path, seed=6))
    # Swin: shifted windows (Pad, Roll as Slice + Concat, masks from ScatterND/Where), patch merging by strided Slices.
    swin_path = lambda node: node.op_type in ("Conv", "MatMul", "Softmax", "Erf", "Slice", "Concat", "Pad", "GlobalAveragePool") and node.output[0] != "output"
    cases.append(make_case(os.path.join(GRAPH_DATA, "tiny-swin.onnx"), np.round(rng.normal(0, 1, (2, 3, 32, 32)), 3), swin_path, seed=7))
    cases.append(make_case(tanh_gelu_model(rng), np.round(rng.normal(0, 1, (2, 3, 5)), 4), lambda node: node.output[0] != "logits", seed=8))
    with open(os.path.join(HERE, "reference-grads-attention.json"), "w") as f:
        json.dump(cases, f)
    print("wrote reference-grads-attention.json:", ", ".join(f"{c['model']} ({len(c['activations'])} activations, {len(c['params'])} params)" for c in cases))
