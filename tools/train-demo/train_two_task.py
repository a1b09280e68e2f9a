"""Trains and exports a two-task Fashion-MNIST model: a shared conv trunk with class logits and a dense
28×28 reconstruction of the input decoded by two ConvTransposes (issue 13's held-out check: a class
output and a dense output pruned together). CPU only, nothing downloaded.

  /usr/bin/python3 tools/train-demo/train_two_task.py --name fmnist-twotask --seed 0 --width 32
  /usr/bin/python3 tools/train-demo/train_two_task.py --name fmnist-twotask-s1 --seed 1 --width 24

Writes <out>/<name>.onnx (opset 13, outputs "logits" [N,10] and "reconstruction" [N,1,28,28] in [0,1])
and <name>.json (test accuracy and reconstruction MSE on the full 10,000-image test set, per PyTorch).
"""
import argparse
import json
import os
import sys
import time

import onnx
import torch
from torch import nn
from torch.nn import functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from data import load_tensors  # noqa: E402
from models import Normalize, conv_bn  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))


class TwoTask(nn.Module):
    """Trunk 28→14→7 (widths w, 2w, 2w), class head GAP→Linear, decoder ConvT 7→14→28 → 3×3 conv → Sigmoid."""

    def __init__(self, width=32):
        w = width
        super().__init__()
        self.normalize = Normalize()
        self.trunk = nn.Sequential(conv_bn(1, w), conv_bn(w, w), conv_bn(w, 2 * w, stride=2),
                                   conv_bn(2 * w, 2 * w), conv_bn(2 * w, 2 * w, stride=2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(2 * w, 10)
        self.up1 = nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1)
        self.up2 = nn.ConvTranspose2d(w, w // 2, 4, stride=2, padding=1)
        self.out = nn.Conv2d(w // 2, 1, 3, padding=1)

    def forward(self, x):
        f = self.trunk(self.normalize(x))
        logits = self.fc(torch.flatten(self.pool(f), 1))
        d = F.relu(self.up2(F.relu(self.up1(f))))
        return logits, torch.sigmoid(self.out(d))


def evaluate(model, images, labels, batch=1000):
    model.eval()
    correct, se = 0, 0.0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            logits, rec = model(images[i:i + batch])
            correct += (logits.argmax(1) == labels[i:i + batch]).sum().item()
            se += ((rec - images[i:i + batch]) ** 2).sum().item()
    return correct / len(images), se / images.numel()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--name", required=True)
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--recon-weight", type=float, default=20.0, help="weight of the reconstruction MSE beside CE")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=os.path.join(ROOT, "bench", "cache", "twotask"))
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)
    tr_x, tr_y, te_x, te_y = load_tensors()

    model = TwoTask(args.width)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    steps = (len(tr_x) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps,
                                                pct_start=0.25)
    start = time.time()
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(tr_x), generator=gen)
        for s in range(steps):
            idx = order[s * args.batch:(s + 1) * args.batch]
            x = tr_x[idx]
            flip = torch.rand(len(idx), generator=gen) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            logits, rec = model(x)
            loss = F.cross_entropy(logits, tr_y[idx]) + args.recon_weight * F.mse_loss(rec, x)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        acc, mse = evaluate(model, te_x, te_y)
        print(f"epoch {epoch + 1}: test acc {acc:.4f} recon MSE {mse:.5f} ({time.time() - start:.0f}s)", flush=True)

    model.eval()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, args.name + ".onnx")
    outputs = ["logits", "reconstruction"]
    torch.onnx.export(model, torch.zeros(2, 1, 28, 28), path, opset_version=13, input_names=["input"],
                      output_names=outputs, dynamic_axes={n: {0: "batch"} for n in ["input", *outputs]},
                      do_constant_folding=True)
    onnx.checker.check_model(onnx.load(path))
    acc, mse = evaluate(model, te_x, te_y)
    card = {"name": args.name, "width": args.width, "seed": args.seed, "epochs": args.epochs,
            "testAccuracy": acc, "reconstructionMse": mse, "trainSeconds": round(time.time() - start, 1),
            "torch": torch.__version__}
    with open(os.path.join(args.out, args.name + ".json"), "w") as f:
        json.dump(card, f, indent=2)
    print(f"done: {path} acc {acc:.4f} MSE {mse:.5f}", flush=True)


if __name__ == "__main__":
    main()
