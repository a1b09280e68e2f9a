"""Float64 reference gradients for backward.test.ts (run: /usr/bin/python3 reference_grads.py).

Evaluates each fixture ONNX graph node by node with torch in float64 (a small interpreter for the
ops the fixtures use), so every ONNX tensor is a torch tensor whose gradient autograd can give.
For every checked activation it records, per channel, the central finite difference in float64 of
the loss when that channel is scaled by (1 ± 1e-6) — i.e. Σ a·∂C/∂a per channel — and the
directional derivative along a fixed pseudo-random direction (proportional to a). Float32 onnxruntime finite
differences cannot resolve 1e-3 relative error on these small gradients, float64 can.
"""
import json
import math
import os
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKED = {"Conv", "BatchNormalization", "Relu", "LeakyRelu", "MaxPool", "Add", "Clip", "Concat", "Mul", "Sigmoid", "Tanh",
           "AveragePool", "HardSigmoid", "Gemm", "ConvTranspose", "Pad", "Slice", "Resize"}


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def pads2(p):
    # ONNX [t, l, b, r] → F.pad (l, r, t, b)
    return (p[1], p[3], p[0], p[2])


def run_node(node, x):
    a = attrs(node)
    op = node.op_type
    i = [x[n] if n else None for n in node.input]
    if op == "Conv":
        p = a.get("pads", [0, 0, 0, 0])
        y = F.pad(i[0], pads2(p))
        return F.conv2d(y, i[1], i[2] if len(i) > 2 else None, a.get("strides", [1, 1]), 0, a.get("dilations", [1, 1]), a.get("group", 1))
    if op == "BatchNormalization":
        return F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, a.get("epsilon", 1e-5))
    if op == "Relu":
        return F.relu(i[0])
    if op == "LeakyRelu":
        return F.leaky_relu(i[0], a.get("alpha", 0.01))
    if op == "Clip":
        return torch.clamp(i[0], float(i[1]), float(i[2]))
    if op == "MaxPool":
        p = a.get("pads", [0, 0, 0, 0])
        y = F.pad(i[0], pads2(p), value=-math.inf)
        return F.max_pool2d(y, a["kernel_shape"], a.get("strides", [1, 1]), 0, ceil_mode=bool(a.get("ceil_mode", 0)))
    if op == "AveragePool":
        p = a.get("pads", [0, 0, 0, 0])
        assert p[0] == p[2] and p[1] == p[3]
        return F.avg_pool2d(i[0], a["kernel_shape"], a.get("strides", [1, 1]), (p[0], p[1]), bool(a.get("ceil_mode", 0)), bool(a.get("count_include_pad", 0)))
    if op == "GlobalAveragePool":
        return i[0].mean((2, 3), keepdim=True)
    if op == "ReduceMean":
        return i[0].mean(tuple(a["axes"]), keepdim=bool(a.get("keepdims", 1)))
    if op == "Flatten":
        return i[0].flatten(a.get("axis", 1))
    if op == "Gemm":
        bmat = i[1].t() if a.get("transB", 0) else i[1]
        return a.get("alpha", 1.0) * (i[0] @ bmat) + a.get("beta", 1.0) * i[2]
    if op == "Add":
        return i[0] + i[1]
    if op == "Mul":
        return i[0] * i[1]
    if op == "Concat":
        return torch.cat(i, a["axis"])
    if op == "HardSigmoid":
        return torch.clamp(a.get("alpha", 0.2) * i[0] + a.get("beta", 0.5), 0, 1)
    if op == "Sigmoid":
        return torch.sigmoid(i[0])
    if op == "Tanh":
        return torch.tanh(i[0])
    if op == "Softmax":
        return torch.softmax(i[0], a.get("axis", -1))
    if op == "Constant":
        v = numpy_helper.to_array(a["value"])
        return torch.tensor(v.astype(np.float64) if v.dtype.kind == "f" else v)
    if op == "ConvTranspose":
        p = a.get("pads", [0, 0, 0, 0])
        assert p[0] == p[2] and p[1] == p[3]
        return F.conv_transpose2d(i[0], i[1], i[2] if len(i) > 2 else None, a.get("strides", [1, 1]), (p[0], p[1]),
                                  a.get("output_padding", [0, 0]), a.get("group", 1), a.get("dilations", [1, 1]))
    if op == "Resize":
        mode = {"nearest": "nearest", "linear": "bilinear"}[a.get("mode", b"nearest").decode()]
        transform = a.get("coordinate_transformation_mode", b"half_pixel").decode()
        assert (mode, transform) in {("nearest", "asymmetric"), ("bilinear", "half_pixel"), ("bilinear", "align_corners")}
        corners = {"align_corners": True} if mode == "bilinear" else {}
        if corners:
            corners["align_corners"] = transform == "align_corners"
        if len(i) > 3 and i[3] is not None:
            return F.interpolate(i[0], size=[int(v) for v in i[3][2:]], mode=mode, **corners)
        return F.interpolate(i[0], scale_factor=[float(v) for v in i[2][2:]], mode=mode, recompute_scale_factor=False, **corners)
    if op == "Pad":
        pads = [int(v) for v in i[1]]
        n = len(pads) // 2
        assert a.get("mode", b"constant") == b"constant" and not any(pads[:2]) and not any(pads[n:n + 2])
        return F.pad(i[0], (pads[3], pads[n + 3], pads[2], pads[n + 2]))
    if op == "Slice":
        starts, ends, axes = (list(map(int, t)) for t in i[1:4])
        steps = list(map(int, i[4])) if len(i) > 4 else [1] * len(starts)
        idx = [slice(None)] * i[0].dim()
        for s_, e_, ax, st in zip(starts, ends, axes, steps):
            idx[ax] = slice(s_, max(min(e_, 2 ** 62), -2 ** 62), st)
        if i[0].dtype == torch.int64:  # shape arithmetic (reversed pads): numpy has negative steps
            return torch.tensor(i[0].numpy()[tuple(idx)].copy())
        assert all(st == 1 for st in steps)
        return i[0][tuple(idx)]
    if op == "Shape":
        return torch.tensor(list(i[0].shape), dtype=torch.int64)
    if op == "ConstantOfShape":
        v = numpy_helper.to_array(a["value"]) if "value" in a else np.zeros(1, np.float32)
        return torch.tensor(np.full([int(d) for d in i[0]], v.flatten()[0]))
    if op == "Reshape":
        return i[0].reshape([int(d) for d in i[1]])
    if op == "Transpose":
        return i[0].permute(a["perm"])
    if op == "Cast":
        return i[0].to(torch.int64 if a["to"] == 7 else torch.float64)
    raise NotImplementedError(op)


def forward(model, feeds, hook=None):
    x = {t.name: torch.tensor(numpy_helper.to_array(t).astype(np.float64)) for t in model.graph.initializer}
    x.update(feeds)
    for node in model.graph.node:
        x[node.output[0]] = run_node(node, x)
        if hook:
            hook(node.output[0], x)
    return x


def loss(model, x, targets):
    total = 0.0
    for out, (t, is_probs, *task) in targets.items():
        v = x[out]
        if task == ["dense"]:
            total = total + 0.5 * ((v - t) ** 2).sum()
            continue
        logp = torch.log(v) if is_probs else torch.log_softmax(v, 1)
        total = total - (t * logp).sum()
    return total


def direction(a):
    # Same formula as backward.test.ts: a_i·sin(1.7·i + 0.3). Proportional to a so zeros stay zeros:
    # shifting the exact zeros after a ReLU would break MaxPool ties, where no derivative exists.
    n = a.numel()
    return torch.tensor([math.sin(1.7 * i + 0.3) for i in range(n)], dtype=torch.float64).view(a.shape) * a


def make_case(name, batch, size, seed, channels=1, tasks=None, folder=HERE, decimals=None):
    """tasks: output name -> "class" | "segmentation" | "dense" (default: class/segmentation targets for every output)."""
    model = onnx.load(os.path.join(folder, name))
    rng = np.random.default_rng(seed)
    inp = rng.random((batch, channels, size, size))
    if decimals:  # short JSON: the file holds exactly the values the reference used
        inp = np.round(inp, decimals)
    feeds = {"input": torch.tensor(inp)}
    base = forward(model, feeds)
    targets = {}
    for o in model.graph.output:
        shape = base[o.name].shape
        is_probs = model.graph.node[-1].op_type == "Softmax" and model.graph.node[-1].output[0] == o.name
        if (tasks or {}).get(o.name) == "dense":
            targets[o.name] = (torch.tensor(np.round(rng.normal(0, 0.5, shape), 4)), False, "dense")
            continue
        if is_probs:
            w = rng.random(shape)
            t = w / w.sum(1, keepdims=True)
        else:
            hot = rng.integers(0, shape[1], (shape[0],) + tuple(shape[2:]))
            t = np.moveaxis(np.eye(shape[1])[hot], -1, 1)
        targets[o.name] = (torch.tensor(t), is_probs)
    outputs = {o.name for o in model.graph.output}
    acts = [n.output[0] for n in model.graph.node if n.op_type in CHECKED and n.output[0] not in outputs
            and base[n.output[0]].dtype == torch.float64]
    eps = 1e-6
    case = {"model": name, "input": {"dims": list(inp.shape), "data": inp.flatten().tolist()},
            "targets": {k: {"dims": list(v[0].shape), "data": v[0].flatten().tolist(), "isProbs": v[1], **({"task": v[2]} if len(v) > 2 else {})}
                        for k, v in targets.items()},
            "activations": {}}
    for act in acts:
        a = base[act]
        channels = a.shape[1]
        per_channel = []
        for c in range(channels):
            def scaled(s):
                def hook(nm, x):
                    if nm == act:
                        m = torch.ones(channels, dtype=torch.float64)
                        m[c] = s
                        x[nm] = x[nm] * m.view([1, channels] + [1] * (a.dim() - 2))
                return loss(model, forward(model, feeds, hook), targets).item()
            per_channel.append((scaled(1 + eps) - scaled(1 - eps)) / (2 * eps))
        d = direction(a)

        def shifted(t):
            def hook(nm, x):
                if nm == act:
                    x[nm] = x[nm] + t * d
            return loss(model, forward(model, feeds, hook), targets).item()
        case["activations"][act] = {"channelTaylor": per_channel, "directional": (shifted(eps) - shifted(-eps)) / (2 * eps)}
    return case


if __name__ == "__main__":
    cases = [make_case("mix-bn-opset13.onnx", 3, 16, 1), make_case("old-opset11.onnx", 3, 15, 2), make_case("two-heads-opset17.onnx", 2, 8, 3)]
    with open(os.path.join(HERE, "reference-grads.json"), "w") as f:
        json.dump(cases, f)
    print("wrote reference-grads.json")
    # The dense-head ops and the per-task losses (L2 for dense outputs, per-pixel cross-entropy).
    fixtures = os.path.join(HERE, "..", "..", "..", "..", "tools", "fixtures", "models")
    dense = [make_case("dense-ops-opset13.onnx", 2, 8, 4, tasks={"out": "dense"}, decimals=4),
             make_case("multi-task.onnx", 1, 28, 5, tasks={"reconstruction": "dense"}, folder=fixtures, decimals=4),
             make_case("segmentation.onnx", 1, 32, 6, channels=3, folder=fixtures, decimals=4)]
    with open(os.path.join(HERE, "reference-grads-dense.json"), "w") as f:
        json.dump(dense, f)
    print("wrote reference-grads-dense.json")
