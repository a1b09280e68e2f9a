"""Tiny attention models for src/core/graph/shapes.attention.test.ts (run with Debian's torch 1.13:
/usr/bin/python3 src/core/graph/test-data/export_attention.py). They go through the same torchvision
and torch.nn code as ViT-B/16 and Swin-T, so the exporter emits the same subgraphs (seq-first
MultiheadAttention, class-token Expand, Swin's window Pad/Roll/Reshape/Transpose with shapes
computed from Shape ops), at a few KB each. Random init, opset 14."""
import os

import onnx
import torch
from torchvision.models.swin_transformer import SwinTransformer
from torchvision.models.vision_transformer import VisionTransformer

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)


def shorten_names(path):
    """Short tensor and node names: the exporter's scoped names are most of the file."""
    model = onnx.load(path)
    g = model.graph
    keep = {i.name for i in g.input} | {o.name for o in g.output}
    short = {}
    rename = lambda n: n if not n or n in keep else short.setdefault(n, f"t{len(short)}")
    for t in g.initializer:
        t.name = rename(t.name)
    for i, node in enumerate(g.node):
        node.name = f"{node.op_type}_{i}"
        node.input[:] = [rename(n) for n in node.input]
        node.output[:] = [rename(n) for n in node.output]
    onnx.save(model, path)


def export(model, name, shape, dynamic):
    model.eval()
    path = os.path.join(HERE, f"{name}.onnx")
    torch.onnx.export(model, torch.randn(*shape), path, opset_version=14,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": dynamic, "output": {0: "batch"}})
    shorten_names(path)


class Encoder(torch.nn.Module):
    """nn.TransformerEncoder on [batch, tokens, dim] tokens from a patch Conv."""

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Conv2d(3, 16, 4, 4)
        layer = torch.nn.TransformerEncoderLayer(16, 2, 32, dropout=0.0)
        self.encoder = torch.nn.TransformerEncoder(layer, 2)
        self.head = torch.nn.Linear(16, 5)

    def forward(self, x):
        t = self.embed(x).flatten(2).permute(2, 0, 1)  # [tokens, batch, dim]: MHA's seq-first layout
        return self.head(self.encoder(t).mean(0))


# 32×32 input, 8×8 patches: 16 tokens + class token, dim 16, 2 heads, MLP 32, 2 layers, 10 classes.
export(VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32, num_classes=10),
       "tiny-vit", (1, 3, 32, 32), {0: "batch"})
# Dynamic H and W: the window padding and shifted-window Roll depend on the input size.
export(SwinTransformer(patch_size=[4, 4], embed_dim=8, depths=[2, 2], num_heads=[1, 2], window_size=[4, 4], num_classes=10),
       "tiny-swin", (1, 3, 32, 32), {0: "batch", 2: "height", 3: "width"})
export(Encoder(), "tiny-encoder", (1, 3, 16, 16), {0: "batch", 2: "height", 3: "width"})
