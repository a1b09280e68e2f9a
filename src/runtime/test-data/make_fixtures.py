"""Small real torch exports for the runtime tests (random weights, fixed seeds; nothing downloaded).

Run from the repository root with Debian's python (torch 1.13, onnx):
    /usr/bin/python3 src/runtime/test-data/make_fixtures.py
Writes, next to this script:
  classifier.onnx            [N,1,28,28] -> logits [N,10]   Conv-BN-ReLU x2, GAP, Linear
  classifier-perturbed.onnx  the same network with noisy weights: stands in for a pruned copy
  segmenter.onnx             [N,3,16,16] -> [N,4,16,16]    a tiny fully-convolutional net (dense output)
"""
import os

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.head = nn.Linear(16, 10)

    def forward(self, x):
        return self.head(self.features(x))


class Segmenter(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(),
            nn.Conv2d(8, 4, 1),
        )

    def forward(self, x):
        return self.body(x)


def randomise_bn(model):
    # Non-trivial BN statistics so the exported (folded) network is not an identity around BN.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)


def export(model, shape, name, in_name, out_name):
    model.eval()
    torch.onnx.export(
        model, torch.rand(*shape), os.path.join(HERE, name), opset_version=13,
        input_names=[in_name], output_names=[out_name],
        dynamic_axes={in_name: {0: 'batch'}, out_name: {0: 'batch'}},
    )


def main():
    torch.manual_seed(0)
    clf = Classifier()
    with torch.no_grad():
        randomise_bn(clf)
    export(clf, (1, 1, 28, 28), 'classifier.onnx', 'image', 'logits')
    with torch.no_grad():
        for p in clf.parameters():
            p.add_(0.15 * p.abs().mean() * torch.randn_like(p))
    export(clf, (1, 1, 28, 28), 'classifier-perturbed.onnx', 'image', 'logits')
    torch.manual_seed(1)
    export(Segmenter(), (1, 3, 16, 16), 'segmenter.onnx', 'image', 'mask')


if __name__ == '__main__':
    main()
