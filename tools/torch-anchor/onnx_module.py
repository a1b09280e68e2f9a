"""A torch.nn.Module that computes an ONNX graph with its float initializers as trainable parameters:
what a PyTorch user would do to fine-tune an ONNX file (torch cannot import ONNX). Covers the operators
of the demo models and the usual CNN exports; anything else raises naming the operator."""
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
                y = ins[0] / ins[1]
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
                y = ins[0].reshape([int(v) for v in ins[1]])
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
            else:
                raise NotImplementedError(f"onnx_module: operator {op} (node {node.name}) is not supported")
            env[node.output[0]] = y
        return [env[o.name] for o in self.graph.output]
