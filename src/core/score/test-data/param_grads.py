"""Float64 finite-difference references for the parameter gradients (backward-weights.test.ts).

Run: /usr/bin/python3 param_grads.py. It builds small onnx.helper graphs that stack every parameter
rule (strided/asymmetrically padded/auto_pad/dilated/grouped/depthwise Conv, PRelu, ConvTranspose
with output_padding, BatchNormalization γ/β, InstanceNormalization scale/bias, Gemm transA/transB/alpha/beta, MatMul with a 3-D left
operand, a trainable bias on Add, 1-D Conv and ConvTranspose), evaluates them node by node with torch
in float64, and records for every trainable initializer the central finite difference (eps 1e-6) of
the loss along the direction d_i = sin(1.7·i + 0.3) and at three seeded coordinates. The same is
done for the demo model public/models/fmnist-resnet8-bn.onnx. The loss is the backward graph's:
Σ cross-entropy(target, softmax(logits)) for class outputs, ½ Σ (y − target)² for dense ones.
"""
import json
import math
import os
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import helper as h, numpy_helper, TensorProto as T

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..", "..", "..")
EPS = 1e-6


def attrs(node):
    return {a.name: h.get_attribute_value(a) for a in node.attribute}


def same_pads(mode, size, kernel, strides, dilations):
    begin, end = [], []
    for i, n in enumerate(size):
        out = -(-n // strides[i])
        total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - n)
        small = total // 2
        begin.append(small if mode == "SAME_UPPER" else total - small)
        end.append(total - begin[-1])
    return begin + end


def torch_pad(x, pads):
    """ONNX pads [b1, b2, …, e1, e2, …] over the spatial axes → F.pad (last axis first)."""
    n = len(pads) // 2
    flat = []
    for i in reversed(range(n)):
        flat += [pads[i], pads[n + i]]
    return F.pad(x, flat)


def conv(x, w, b, a):
    n = x.dim() - 2
    kernel = list(w.shape[2:])
    strides = a.get("strides", [1] * n)
    dilations = a.get("dilations", [1] * n)
    mode = a.get("auto_pad", b"NOTSET").decode()
    pads = same_pads(mode, list(x.shape[2:]), kernel, strides, dilations) if mode.startswith("SAME") else a.get("pads", [0] * 2 * n)
    f = F.conv1d if n == 1 else F.conv2d
    return f(torch_pad(x, pads), w, b, strides, 0, dilations, a.get("group", 1))


def conv_transpose(x, w, b, a):
    n = x.dim() - 2
    strides = a.get("strides", [1] * n)
    dilations = a.get("dilations", [1] * n)
    pads = a.get("pads", [0] * 2 * n)
    extra = a.get("output_padding", [0] * n)
    f = F.conv_transpose1d if n == 1 else F.conv_transpose2d
    full = f(x, w, None, strides, 0, 0, a.get("group", 1), dilations)
    full = torch_pad(full, [0] * n + list(extra))
    idx = [slice(None), slice(None)] + [slice(pads[i], full.shape[2 + i] - pads[n + i]) for i in range(n)]
    y = full[tuple(idx)]
    return y if b is None else y + b.view([1, -1] + [1] * n)


def run_node(node, x):
    a = attrs(node)
    op = node.op_type
    i = [x[n] if n else None for n in node.input]
    if op == "Conv":
        return conv(i[0], i[1], i[2] if len(i) > 2 else None, a)
    if op == "ConvTranspose":
        return conv_transpose(i[0], i[1], i[2] if len(i) > 2 else None, a)
    if op == "BatchNormalization":
        return F.batch_norm(i[0], i[3], i[4], i[1], i[2], False, 0.0, a.get("epsilon", 1e-5))
    if op == "InstanceNormalization":
        return F.instance_norm(i[0], weight=i[1], bias=i[2], eps=a.get("epsilon", 1e-5))
    if op == "PRelu":
        return torch.where(i[0] > 0, i[0], i[0] * i[1])
    if op == "Relu":
        return F.relu(i[0])
    if op == "GlobalAveragePool":
        return i[0].mean(tuple(range(2, i[0].dim())), keepdim=True)
    if op == "Flatten":
        return i[0].flatten(a.get("axis", 1))
    if op == "Gemm":
        am = i[0].t() if a.get("transA", 0) else i[0]
        bm = i[1].t() if a.get("transB", 0) else i[1]
        y = a.get("alpha", 1.0) * (am @ bm)
        return y + a.get("beta", 1.0) * i[2] if len(i) > 2 else y
    if op == "MatMul":
        return i[0] @ i[1]
    if op == "Add":
        return i[0] + i[1]
    if op == "Mul":
        return i[0] * i[1]
    if op == "Shape":
        return torch.tensor(list(i[0].shape), dtype=torch.int64)
    if op == "Slice":
        return i[0][int(i[1][0]):int(i[2][0])]
    if op == "Concat":
        return torch.cat(i, a["axis"])
    if op == "Expand":
        return i[0].expand([int(d) for d in i[1]])
    if op == "Sub":
        return i[0] - i[1]
    if op == "Div":
        return i[0] / i[1]
    if op == "Identity":
        return i[0]
    if op == "Reshape":
        return i[0].reshape([int(d) for d in i[1]])
    if op == "Transpose":
        return i[0].permute(a["perm"])
    if op == "Constant":
        v = numpy_helper.to_array(a["value"])
        return torch.tensor(v.astype(np.float64) if v.dtype.kind == "f" else v)
    raise NotImplementedError(op)


def trainable(model):
    """Float32 weights/biases of Conv/ConvTranspose/Gemm/MatMul, BN γ/β, PRelu slopes, the non-scalar constant
    operand of an Add/Mul on data and a token Expand repeats, through Identity (trainableParameters)."""
    inits = {t.name: t for t in model.graph.initializer}
    producer = {o: n for n in model.graph.node for o in n.output}
    roles = {"Conv": [1, 2], "ConvTranspose": [1, 2], "Gemm": [1, 2], "MatMul": [1], "BatchNormalization": [1, 2], "InstanceNormalization": [1, 2],
             "PRelu": [1], "Add": [0, 1], "Mul": [0, 1], "Expand": [0]}
    constant = lambda name: name in inits or (name in producer and producer[name].op_type == "Constant")
    found = []
    for node in model.graph.node:
        if all(constant(n) for n in node.input if n):
            continue
        for k in roles.get(node.op_type, []):
            name = node.input[k] if k < len(node.input) else ""
            while name in producer and producer[name].op_type == "Identity":
                name = producer[name].input[0]
            if name not in inits or inits[name].data_type != T.FLOAT or name in found:
                continue
            if node.op_type in ("Add", "Mul", "Expand") and int(np.prod(inits[name].dims)) < 2:
                continue
            found.append(name)
    return found


def forward(model, feeds, params):
    x = {t.name: torch.tensor(numpy_helper.to_array(t).astype(np.float64)) for t in model.graph.initializer}
    x.update(params)
    x.update(feeds)
    for node in model.graph.node:
        x[node.output[0]] = run_node(node, x)
    return x


def loss(x, targets):
    total = 0.0
    for out, (t, task) in targets.items():
        if task == "dense":
            total += 0.5 * ((x[out] - t) ** 2).sum().item()
        else:
            total -= (t * torch.log_softmax(x[out], 1)).sum().item()
    return total


def direction(n):
    return torch.tensor([math.sin(1.7 * i + 0.3) for i in range(n)], dtype=torch.float64)


def make_case(path, name, inp, targets, rng, extra=()):
    """extra: initializers trained besides the default ones (a bias on Add)."""
    model = onnx.load(path)
    names = trainable(model) + list(extra)
    params = {p: torch.tensor(numpy_helper.to_array(next(t for t in model.graph.initializer if t.name == p)).astype(np.float64)) for p in names}
    feeds = {model.graph.input[0].name: torch.tensor(inp)}
    base = forward(model, feeds, params)

    def at(p, delta):
        shifted = dict(params)
        shifted[p] = params[p] + delta
        return loss(forward(model, feeds, shifted), targets)

    case = {"model": name, "input": {"name": model.graph.input[0].name, "dims": list(inp.shape), "data": inp.flatten().tolist()},
            "targets": {k: {"dims": list(t.shape), "data": t.flatten().tolist(), "task": task} for k, (t, task) in targets.items()},
            "outputs": {k: base[k].flatten().tolist() for k in targets},
            "defaultTrainable": trainable(model), "params": {}}
    for p, v in params.items():
        d = direction(v.numel()).view(v.shape)
        coords = []
        for index in rng.choice(v.numel(), min(3, v.numel()), replace=False):
            e = torch.zeros(v.numel(), dtype=torch.float64)
            e[int(index)] = EPS
            e = e.view(v.shape)
            coords.append([int(index), (at(p, e) - at(p, -e)) / (2 * EPS)])
        case["params"][p] = {"directional": (at(p, EPS * d) - at(p, -EPS * d)) / (2 * EPS), "coordinates": coords}
    return case


def class_targets(rng, shape, soft):
    if soft:
        w = rng.random(shape)
        return torch.tensor(np.round(w / w.sum(1, keepdims=True), 6))
    hot = rng.integers(0, shape[1], (shape[0],) + tuple(shape[2:]))
    return torch.tensor(np.moveaxis(np.eye(shape[1])[hot], -1, 1))


def init(rng, name, shape, scale=0.4, low=None):
    v = rng.uniform(low, low + scale, shape) if low is not None else rng.normal(0, scale, shape)
    return numpy_helper.from_array(v.astype(np.float32), name)


def conv_model(rng):
    """Input [2, 4, 9, 9] → Conv s2 pads(1,0,2,1) dilation (2,1) → Relu → grouped SAME_UPPER Conv 3×2 → PRelu →
    depthwise Conv s2 SAME_LOWER → grouped ConvTranspose s2 output_padding 1 → BN → Relu → GAP → Gemm transB.
    (onnxruntime refuses dilation together with SAME auto_pad, so the dilated Conv has explicit pads.)"""
    n = h.make_node
    nodes = [
        n("Conv", ["input", "c1.w", "c1.b"], ["c1"], strides=[2, 2], pads=[1, 0, 2, 1], dilations=[2, 1]),
        n("Relu", ["c1"], ["r1"]),
        n("Conv", ["r1", "c2.w", "c2.b"], ["c2"], group=2, auto_pad="SAME_UPPER"),
        n("PRelu", ["c2", "p.slope"], ["p"]),
        n("Conv", ["p", "dw.w"], ["dw"], group=4, strides=[2, 2], auto_pad="SAME_LOWER"),
        n("ConvTranspose", ["dw", "ct.w", "ct.b"], ["ct"], group=2, strides=[2, 2], pads=[1, 0, 0, 1], output_padding=[1, 1]),
        n("BatchNormalization", ["ct", "bn.scale", "bn.bias", "bn.mean", "bn.var"], ["bn"], epsilon=1e-3),
        n("Relu", ["bn"], ["r2"]),
        n("GlobalAveragePool", ["r2"], ["gap"]),
        n("Flatten", ["gap"], ["flat"]),
        n("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], transB=1),
    ]
    inits = [init(rng, "c1.w", [6, 4, 3, 3]), init(rng, "c1.b", [6], 0.1), init(rng, "c2.w", [4, 3, 3, 2]), init(rng, "c2.b", [4], 0.1),
             init(rng, "p.slope", [4, 1, 1], 0.3, 0.05), init(rng, "dw.w", [4, 1, 3, 3], 0.6), init(rng, "ct.w", [4, 3, 3, 3]), init(rng, "ct.b", [6], 0.1),
             init(rng, "bn.scale", [6], 1.0, 0.5), init(rng, "bn.bias", [6], 0.4, -0.2), init(rng, "bn.mean", [6], 0.4, -0.2), init(rng, "bn.var", [6], 1.5, 0.5),
             init(rng, "fc.w", [5, 6], 0.8), init(rng, "fc.b", [5], 0.1)]
    graph = h.make_graph(nodes, "conv_params", [h.make_tensor_value_info("input", T.FLOAT, ["N", 4, 9, 9])],
                         [h.make_tensor_value_info("logits", T.FLOAT, ["N", 5])], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])


def linear_model(rng):
    """Input [3, 4, 6] (tokens) → MatMul [6, 5] → Add bias → Relu → Reshape [-1, 20] → Transpose →
    Gemm transA α 0.7 β 1.3 C [1, 7] → BatchNormalization on [N, 7] → PRelu slope [7] → Gemm transB C [4]
    (opset 11: ReduceSum with an axes attribute)."""
    n = h.make_node
    nodes = [
        n("MatMul", ["input", "mm.w"], ["mm"]),
        n("Add", ["mm", "mm.b"], ["mmb"]),
        n("Relu", ["mmb"], ["r1"]),
        n("Reshape", ["r1", "shape"], ["flat"]),
        n("Transpose", ["flat"], ["flatT"], perm=[1, 0]),
        n("Gemm", ["flatT", "g1.w", "g1.b"], ["g1"], transA=1, alpha=0.7, beta=1.3),
        n("BatchNormalization", ["g1", "bn.scale", "bn.bias", "bn.mean", "bn.var"], ["bn"]),
        n("PRelu", ["bn", "p.slope"], ["r2"]),
        n("Gemm", ["r2", "g2.w", "g2.b"], ["logits"], transB=1),
    ]
    inits = [init(rng, "mm.w", [6, 5]), init(rng, "mm.b", [5], 0.2), numpy_helper.from_array(np.array([-1, 20], np.int64), "shape"),
             init(rng, "g1.w", [20, 7], 0.3), init(rng, "g1.b", [1, 7], 0.2), init(rng, "g2.w", [4, 7], 0.5), init(rng, "g2.b", [4], 0.2),
             init(rng, "bn.scale", [7], 1.0, 0.5), init(rng, "bn.bias", [7], 0.4, -0.2), init(rng, "bn.mean", [7], 0.4, -0.2), init(rng, "bn.var", [7], 1.5, 0.5),
             init(rng, "p.slope", [7], 0.3, 0.05)]
    graph = h.make_graph(nodes, "linear_params", [h.make_tensor_value_info("input", T.FLOAT, [3, 4, 6])],
                         [h.make_tensor_value_info("logits", T.FLOAT, [3, 4])], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 11)])


def token_model(rng):
    """Input [2, 3, 4] (3 tokens of 4 features) → a class token [1, 1, 4] Expanded to the batch (shape from the input)
    and Concat'ed before the tokens → Add position embedding [1, 4, 4] → Mul γ [4] → Add with β [4] first → MatMul [4, 5]
    → Add bias → Relu → Mul by a scalar 0.5 (a constant, not trained) → Reshape [N, 20] → Gemm transB: a ViT's parameters
    outside its linear layers, as torch 1.13 exports them (decomposed LayerNorm affine, biases on Add)."""
    n = h.make_node
    nodes = [
        n("Shape", ["input"], ["shape"]),
        n("Slice", ["shape", "zero", "one"], ["batch"]),
        n("Concat", ["batch", "token_rest"], ["token_shape"], axis=0),
        n("Expand", ["cls", "token_shape"], ["tokens0"]),
        n("Concat", ["tokens0", "input"], ["tokens"], axis=1),
        n("Add", ["tokens", "pos"], ["posed"]),
        n("Mul", ["posed", "ln.w"], ["scaled"]),
        n("Add", ["ln.b", "scaled"], ["shifted"]),
        n("MatMul", ["shifted", "fc1.w"], ["fc1"]),
        n("Add", ["fc1", "fc1.b"], ["fc1b"]),
        n("Relu", ["fc1b"], ["r"]),
        n("Mul", ["r", "half"], ["rh"]),
        n("Reshape", ["rh", "flat_shape"], ["flat"]),
        n("Gemm", ["flat", "head.w", "head.b"], ["logits"], transB=1),
    ]
    ints = lambda name, v: numpy_helper.from_array(np.array(v, np.int64), name)
    inits = [ints("zero", [0]), ints("one", [1]), ints("token_rest", [1, 4]), ints("flat_shape", [-1, 20]),
             init(rng, "cls", [1, 1, 4], 0.5), init(rng, "pos", [1, 4, 4], 0.3), init(rng, "ln.w", [4], 1.0, 0.5), init(rng, "ln.b", [4], 0.4, -0.2),
             init(rng, "fc1.w", [4, 5]), init(rng, "fc1.b", [5], 0.2), numpy_helper.from_array(np.array([0.5], np.float32), "half"),
             init(rng, "head.w", [6, 20], 0.3), init(rng, "head.b", [6], 0.1)]
    graph = h.make_graph(nodes, "token_params", [h.make_tensor_value_info("input", T.FLOAT, ["N", 3, 4])],
                         [h.make_tensor_value_info("logits", T.FLOAT, ["N", 6])], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])


def instance_norm_model(rng):
    """Input [2, 3, 7, 6] → Conv 3×3 pads 1 → InstanceNormalization (scale, bias, ε 1e-3) → Relu → Conv 1×1 →
    InstanceNormalization → Relu → GlobalAveragePool → Flatten → Gemm transB (a style-transfer or segmentation block;
    without the Relu the pooled means would be in2.bias alone, and nothing before it would have a gradient)."""
    n = h.make_node
    nodes = [
        n("Conv", ["input", "c1.w"], ["c1"], pads=[1, 1, 1, 1]),
        n("InstanceNormalization", ["c1", "in1.scale", "in1.bias"], ["in1"], epsilon=1e-3),
        n("Relu", ["in1"], ["r1"]),
        n("Conv", ["r1", "c2.w"], ["c2"]),
        n("InstanceNormalization", ["c2", "in2.scale", "in2.bias"], ["in2"]),
        n("Relu", ["in2"], ["r2"]),
        n("GlobalAveragePool", ["r2"], ["gap"]),
        n("Flatten", ["gap"], ["flat"]),
        n("Gemm", ["flat", "fc.w", "fc.b"], ["logits"], transB=1),
    ]
    # No bias on the Convs: the normalisation subtracts it again, so its gradient is exactly 0.
    inits = [init(rng, "c1.w", [5, 3, 3, 3]), init(rng, "in1.scale", [5], 1.0, 0.5), init(rng, "in1.bias", [5], 0.4, -0.2),
             init(rng, "c2.w", [4, 5, 1, 1]), init(rng, "in2.scale", [4], 1.0, 0.5), init(rng, "in2.bias", [4], 0.4, -0.2),
             init(rng, "fc.w", [3, 4], 0.8), init(rng, "fc.b", [3], 0.1)]
    graph = h.make_graph(nodes, "instance_norm_params", [h.make_tensor_value_info("input", T.FLOAT, ["N", 3, 7, 6])],
                         [h.make_tensor_value_info("logits", T.FLOAT, ["N", 3])], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])


def conv1d_model(rng):
    """Input [2, 3, 11] → 1-D Conv s2 pads(1, 2) dilation 2 → Relu → 1-D ConvTranspose s2 pads(1, 0) output_padding 1; dense output."""
    n = h.make_node
    nodes = [
        n("Conv", ["input", "c.w", "c.b"], ["c"], strides=[2], pads=[1, 2], dilations=[2]),
        n("Relu", ["c"], ["r"]),
        n("ConvTranspose", ["r", "t.w", "t.b"], ["out"], strides=[2], pads=[1, 0], output_padding=[1]),
    ]
    inits = [init(rng, "c.w", [4, 3, 3]), init(rng, "c.b", [4], 0.1), init(rng, "t.w", [4, 2, 3]), init(rng, "t.b", [2], 0.1)]
    graph = h.make_graph(nodes, "conv1d_params", [h.make_tensor_value_info("input", T.FLOAT, ["N", 3, 11])],
                         [h.make_tensor_value_info("out", T.FLOAT, ["N", 2, 11])], inits)
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])


if __name__ == "__main__":
    rng = np.random.default_rng(10)
    cases = []
    for name, make, inp_shape, soft, task, extra in [("conv-params.onnx", conv_model, (2, 4, 9, 9), True, "class", ()),
                                                     ("linear-params.onnx", linear_model, (3, 4, 6), False, "class", ()),
                                                     ("conv1d-params.onnx", conv1d_model, (2, 3, 11), False, "dense", ())]:
        model = make(rng)
        onnx.checker.check_model(model)
        path = os.path.join(HERE, name)
        onnx.save(model, path)
        inp = np.round(rng.normal(0, 1, inp_shape), 4)
        base = forward(model, {"input": torch.tensor(inp)}, {})
        out = model.graph.output[0].name
        shape = tuple(base[out].shape)
        t = torch.tensor(np.round(rng.normal(0, 0.5, shape), 4)) if task == "dense" else class_targets(rng, shape, soft)
        cases.append(make_case(path, name, inp, {out: (t, task)}, rng, extra))
    demo = os.path.join(ROOT, "public", "models", "fmnist-resnet8-bn.onnx")
    inp = np.round(rng.random((2, 1, 28, 28)), 4)
    cases.append(make_case(demo, "public/models/fmnist-resnet8-bn.onnx", inp, {"logits": (class_targets(rng, (2, 10), False), "class")}, rng))
    # Appended last, so the cases above keep their random draws.
    model = token_model(rng)
    onnx.checker.check_model(model)
    path = os.path.join(HERE, "token-params.onnx")
    onnx.save(model, path)
    inp = np.round(rng.normal(0, 1, (2, 3, 4)), 4)
    cases.append(make_case(path, "token-params.onnx", inp, {"logits": (class_targets(rng, (2, 6), True), "class")}, rng))
    model = instance_norm_model(rng)
    onnx.checker.check_model(model)
    path = os.path.join(HERE, "instance-norm-params.onnx")
    onnx.save(model, path)
    inp = np.round(rng.normal(0, 1, (2, 3, 7, 6)), 4)
    cases.append(make_case(path, "instance-norm-params.onnx", inp, {"logits": (class_targets(rng, (2, 3), True), "class")}, rng))
    with open(os.path.join(HERE, "reference-param-grads.json"), "w") as f:
        json.dump(cases, f)
    print("wrote reference-param-grads.json:", ", ".join(f"{c['model']} ({len(c['params'])} params)" for c in cases))
