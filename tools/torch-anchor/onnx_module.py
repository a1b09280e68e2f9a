"""A torch.nn.Module that computes an ONNX graph with its float initializers as trainable parameters:
what a PyTorch user would do to fine-tune an ONNX file (torch cannot import ONNX). Covers the operators
of the demo models (the ViT's shape arithmetic included) and the usual CNN exports; anything else raises
naming the operator."""
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _pads(p):
    # ONNX [b1, b2, e1, e2] → F.pad order (e.g. last axis first): (b2, e2, b1, e1)
    n = len(p) // 2
    out = []
    for i in reversed(range(n)):
        out += [p[i], p[i + n]]
    return out


_DTYPES = {1: torch.float32, 6: torch.int32, 7: torch.int64, 9: torch.bool, 11: torch.float64}


def _slice(ins, a):
    x, starts, ends = ins[0], ins[1].tolist(), ins[2].tolist()
    axes = ins[3].tolist() if len(ins) > 3 and ins[3] is not None else list(range(len(starts)))
    steps = ins[4].tolist() if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
    index = [slice(None)] * x.dim()
    for s, e, ax, st in zip(starts, ends, axes, steps):
        n = x.shape[ax]
        s, e = max(min(s + n if s < 0 else s, n), 0), max(min(e + n if e < 0 else e, n), 0)
        index[ax] = slice(s, e, st)
    return x[tuple(index)]


def _gather(ins, a):
    x, idx = ins[0], ins[1].long()
    axis = a.get("axis", 0) % x.dim()
    idx = torch.where(idx < 0, idx + x.shape[axis], idx)  # ONNX counts negative indices from the end
    out = torch.index_select(x, axis, idx.reshape(-1))
    return out.reshape(x.shape[:axis] + idx.shape + x.shape[axis + 1:])


# The ops of transformer exports' shape arithmetic and attention (torch.onnx 1.13, opset 13/14).
_SHAPE_OPS = {
    "Shape": lambda ins, a: torch.tensor(ins[0].shape, dtype=torch.int64),
    "Gather": _gather,
    "Unsqueeze": lambda ins, a: _unsqueeze(ins, a),
    "Cast": lambda ins, a: ins[0].to(_DTYPES[a["to"]]),
    "Transpose": lambda ins, a: ins[0].permute(*a.get("perm", list(reversed(range(ins[0].dim()))))),
    "Expand": lambda ins, a: ins[0].expand(*torch.broadcast_shapes(ins[0].shape, tuple(int(v) for v in ins[1]))),
    "Where": lambda ins, a: torch.where(ins[0].bool(), ins[1], ins[2]),
    "Equal": lambda ins, a: ins[0] == ins[1],
    "ConstantOfShape": lambda ins, a: _constant_of_shape(ins, a),
    "Slice": _slice,
    "ReduceMean": lambda ins, a: ins[0].mean(dim=tuple(a["axes"]), keepdim=bool(a.get("keepdims", 1))),
    "Pow": lambda ins, a: torch.pow(ins[0], ins[1]),
    "Sqrt": lambda ins, a: torch.sqrt(ins[0]),
    "Erf": lambda ins, a: torch.erf(ins[0]),
}


def _constant_of_shape(ins, a):
    value = numpy_helper.to_array(a["value"]).reshape(-1) if "value" in a else np.zeros(1, np.float32)
    return torch.full([int(v) for v in ins[0]], value[0].item(), dtype=torch.from_numpy(value.copy()).dtype)


def _unsqueeze(ins, a):
    axes = a["axes"] if "axes" in a else [int(v) for v in ins[1]]
    y = ins[0]
    rank = y.dim() + len(axes)
    for ax in sorted(v + rank if v < 0 else v for v in axes):
        y = y.unsqueeze(ax)
    return y


class OnnxModule(torch.nn.Module):
    def __init__(self, path):
        super().__init__()
        model = onnx.load(path)
        self.graph = model.graph
        self.params = torch.nn.ParameterDict()
        self.consts = {}
        self.names = {}
        for t in self.graph.initializer:
            arr = numpy_helper.to_array(t)
            if arr.dtype == np.float32 and arr.ndim >= 1 and arr.size > 1:
                key = f"p{len(self.names)}"
                self.names[t.name] = key
                self.params[key] = torch.nn.Parameter(torch.from_numpy(arr.copy()))
            else:
                self.consts[t.name] = torch.from_numpy(arr.copy())
        for node in self.graph.node:
            if node.op_type == "Constant":
                self.consts[node.output[0]] = torch.from_numpy(numpy_helper.to_array(_attrs(node)["value"]).copy())

    def value(self, env, name):
        if name in env:
            return env[name]
        if name in self.names:
            return self.params[self.names[name]]
        return self.consts[name]

    def forward(self, x):
        """The first graph output (forward_all gives every output)."""
        return self.forward_all(x)[0]

    def forward_all(self, x):
        env = {self.graph.input[0].name: x}
        for node in self.graph.node:
            if node.op_type == "Constant":
                continue
            ins = [self.value(env, i) if i else None for i in node.input]
            a = _attrs(node)
            op = node.op_type
            if op == "Conv":
                pads = a.get("pads", [0] * 4)
                xin = ins[0]
                if pads[:2] != pads[2:]:
                    xin, pad = F.pad(xin, _pads(pads)), 0
                else:
                    pad = tuple(pads[:2])
                y = F.conv2d(xin, ins[1], ins[2] if len(ins) > 2 else None, tuple(a.get("strides", [1, 1])), pad,
                             tuple(a.get("dilations", [1, 1])), a.get("group", 1))
            elif op == "ConvTranspose":
                pads = a.get("pads", [0] * 4)
                if pads[:2] != pads[2:]:
                    raise NotImplementedError(f"onnx_module: asymmetric ConvTranspose pads (node {node.name})")
                y = F.conv_transpose2d(ins[0], ins[1], ins[2] if len(ins) > 2 else None, tuple(a.get("strides", [1, 1])),
                                       tuple(pads[:2]), tuple(a.get("output_padding", [0, 0])), a.get("group", 1),
                                       tuple(a.get("dilations", [1, 1])))
            elif op == "BatchNormalization":
                y = F.batch_norm(ins[0], ins[3], ins[4], ins[1], ins[2], False, 0.0, a.get("epsilon", 1e-5))
            elif op == "Relu":
                y = F.relu(ins[0])
            elif op == "Add":
                y = ins[0] + ins[1]
            elif op == "Sub":
                y = ins[0] - ins[1]
            elif op == "Mul":
                y = ins[0] * ins[1]
            elif op == "Div":
                # ONNX integer Div truncates (shape arithmetic); torch's / would give floats.
                ints = not ins[0].is_floating_point() and not ins[1].is_floating_point()
                y = torch.div(ins[0], ins[1], rounding_mode="trunc") if ints else ins[0] / ins[1]
            elif op == "GlobalAveragePool":
                y = ins[0].mean(dim=(2, 3), keepdim=True)
            elif op == "MaxPool":
                k = a["kernel_shape"]
                pads = a.get("pads", [0] * 4)
                y = F.max_pool2d(ins[0], k, a.get("strides", k), tuple(pads[:2]), ceil_mode=bool(a.get("ceil_mode", 0)))
            elif op == "AveragePool":
                k = a["kernel_shape"]
                y = F.avg_pool2d(ins[0], k, a.get("strides", k), tuple(a.get("pads", [0] * 4)[:2]))
            elif op == "Flatten":
                y = torch.flatten(ins[0], a.get("axis", 1))
            elif op == "Reshape":
                # ONNX 0 copies the input's dim (allowzero=0).
                y = ins[0].reshape([ins[0].shape[i] if int(v) == 0 else int(v) for i, v in enumerate(ins[1])])
            elif op == "Gemm":
                A = ins[0].t() if a.get("transA", 0) else ins[0]
                B = ins[1].t() if a.get("transB", 0) else ins[1]
                y = a.get("alpha", 1.0) * A @ B
                if len(ins) > 2 and ins[2] is not None:
                    y = y + a.get("beta", 1.0) * ins[2]
            elif op == "MatMul":
                y = ins[0] @ ins[1]
            elif op == "Concat":
                y = torch.cat(ins, a.get("axis", 0))
            elif op == "Identity":
                y = ins[0]
            elif op == "Sigmoid":
                y = torch.sigmoid(ins[0])
            elif op == "Softmax":
                y = torch.softmax(ins[0], a.get("axis", -1))
            elif op in _SHAPE_OPS:
                y = _SHAPE_OPS[op](ins, a)
            else:
                raise NotImplementedError(f"onnx_module: operator {op} (node {node.name}) is not supported")
            env[node.output[0]] = y
        return [env[o.name] for o in self.graph.output]
