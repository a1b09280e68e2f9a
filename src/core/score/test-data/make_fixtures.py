"""Tiny real torch exports for the backward-graph and criteria tests (run: /usr/bin/python3 make_fixtures.py).

Random weights (seeded) are enough: gradients are checked against finite differences of the same
model. Each model stacks the operators whose backward rules need checking.
"""
import os
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(0)


class Mix(nn.Module):
    """Conv+BN kept, MaxPool(3,2,1), residual Add, grouped strided Conv + ReLU6, Fire Concat, HardSwish, SiLU, AvgPool, GAP, Gemm."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.c2 = nn.Conv2d(8, 8, 3, padding=1)
        self.c3 = nn.Conv2d(8, 8, 3, padding=2, dilation=2)
        self.down = nn.Conv2d(8, 12, 3, stride=2, padding=1, groups=2)
        self.squeeze = nn.Conv2d(12, 4, 1)
        self.e1 = nn.Conv2d(4, 6, 1)
        self.e3 = nn.Conv2d(4, 6, 3, padding=1)
        self.fc1 = nn.Linear(12, 16)
        self.fc2 = nn.Linear(16, 5)
        with torch.no_grad():
            self.bn1.running_mean.uniform_(-0.2, 0.2)
            self.bn1.running_var.uniform_(0.5, 2.0)
            self.bn1.weight.uniform_(0.5, 1.5)
            self.bn1.bias.uniform_(-0.2, 0.2)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(x, 3, 2, 1)
        x = F.relu(x + self.c3(F.relu(self.c2(x))))
        x = F.relu6(self.down(x))
        s = F.relu(self.squeeze(x))
        x = torch.cat([F.relu(self.e1(s)), F.relu(self.e3(s))], 1)
        x = F.hardswish(x)
        x = x * torch.sigmoid(x)
        x = F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc2(F.relu(self.fc1(x)))


class Old(nn.Module):
    """Opset 11: MaxPool ceil_mode, LeakyReLU, Tanh, mean over H·W (ReduceMean), softmax output."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 3, stride=2)
        self.c2 = nn.Conv2d(6, 10, 3, padding=1, bias=False)
        self.fc = nn.Linear(10, 4)

    def forward(self, x):
        x = F.leaky_relu(self.c1(x), 0.1)
        x = F.max_pool2d(x, 2, 2, ceil_mode=True)
        x = torch.tanh(self.c2(x))
        x = x.mean([2, 3])
        return torch.softmax(self.fc(x), 1)


class TwoHeads(nn.Module):
    """Opset 17, two outputs: class logits and per-pixel logits (dense head via upsampling-free 1x1 conv)."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 8, 3, padding=1)
        self.c2 = nn.Conv2d(8, 8, 3, padding=1)
        self.cls = nn.Linear(8, 3)
        self.seg = nn.Conv2d(8, 2, 1)

    def forward(self, x):
        f = F.relu(self.c2(F.relu(self.c1(x))))
        return self.cls(f.mean([2, 3])), self.seg(f)


class DenseOps(nn.Module):
    """Opset 13, the dense-head ops: grouped ConvTranspose (stride 2, pads, output_padding), constant
    Pad, Slice, nearest Resize x2, bilinear Resize to a non-integer size (half_pixel, sizes computed
    from Shape), bilinear align_corners x1.5, and a Tanh dense output."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 3, padding=1)
        self.up = nn.ConvTranspose2d(6, 6, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.c2 = nn.Conv2d(6, 4, 3)
        self.c3 = nn.Conv2d(4, 4, 1)
        self.head = nn.Conv2d(4, 2, 3, padding=1)

    def forward(self, x):
        x = F.relu(self.up(F.relu(self.c1(x))))
        x = F.relu(self.c2(F.pad(x, (1, 2, 0, 1))))
        x = F.interpolate(x[:, :, 1:-1, 2:], scale_factor=2.0, mode="nearest")
        x = F.relu(self.c3(x))
        x = F.interpolate(x, size=(17, 19), mode="bilinear", align_corners=False)
        x = F.interpolate(x, scale_factor=1.5, mode="bilinear", align_corners=True)
        return torch.tanh(self.head(x))


def export(model, name, opset, outputs, preserve=False, size=16):
    model.eval()
    path = os.path.join(HERE, name)
    mode = torch.onnx.TrainingMode.PRESERVE if preserve else torch.onnx.TrainingMode.EVAL
    axes = {"input": {0: "batch"}, **{o: {0: "batch"} for o in outputs}}
    torch.onnx.export(model, torch.rand(2, 1, size, size), path, opset_version=opset, input_names=["input"],
                      output_names=outputs, dynamic_axes=axes, do_constant_folding=True, training=mode)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    # Each model is built right before its export (whose dummy input draws from the same seed), in
    # this order, so appending a model leaves the earlier files byte-identical.
    for build, name, opset, outputs, kw in [
        (Mix, "mix-bn-opset13.onnx", 13, ["logits"], {"preserve": True}),
        (Old, "old-opset11.onnx", 11, ["probs"], {"size": 15}),
        (TwoHeads, "two-heads-opset17.onnx", 17, ["cls", "seg"], {"size": 8}),
        (DenseOps, "dense-ops-opset13.onnx", 13, ["out"], {"size": 8}),
    ]:
        export(build(), name, opset, outputs, **kw)
