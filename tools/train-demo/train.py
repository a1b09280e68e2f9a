"""Trains one demo model on Fashion-MNIST (CPU, --threads, default 2) and saves its weights + metrics to
runs/<name>.pt / runs/<name>.json; export.py turns those into public/models/.

  /usr/bin/python3 tools/train-demo/train.py --arch resnet --name fmnist-resnet14 --epochs 6
"""
import argparse
import json
import os
import random
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import load_tensors  # noqa: E402
from models import ARCHITECTURES  # noqa: E402

RUNS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "runs")


def augment(x, gen, pad):
    """Random crop with zero padding plus horizontal flip, batch-wise on tensors (cheap on CPU)."""
    n = x.shape[0]
    flip = torch.rand(n, generator=gen) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    if pad == 0:
        return x
    padded = nn.functional.pad(x, (pad, pad, pad, pad))
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    out = torch.empty_like(x)
    for i in range(n):  # 128 small slices per batch: negligible next to the convolutions
        out[i] = padded[i, :, dy[i]:dy[i] + 28, dx[i]:dx[i] + 28]
    return out


def evaluate(model, images, labels, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), batch):
            correct += (model(images[i:i + batch]).argmax(1) == labels[i:i + batch]).sum().item()
    return correct / len(images)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", choices=sorted(ARCHITECTURES), required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1, help="OneCycle peak learning rate (SGD, Nesterov)")
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--optimizer", choices=["sgd", "adamw"], default="sgd",
                   help="sgd (Nesterov) for the CNNs; adamw for the ViT, which SGD trains poorly")
    p.add_argument("--pad", type=int, default=2, help="random-crop padding; 0 disables cropping")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2,
                   help="CPU threads (the machine is shared; 1 thread degrades far less under contention)")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    tr_x, tr_y, te_x, te_y = load_tensors()

    model = ARCHITECTURES[args.arch]().to(memory_format=torch.channels_last)
    params = sum(t.numel() for t in model.parameters())
    decay = [t for n, t in model.named_parameters() if t.ndim > 1]
    no_decay = [t for n, t in model.named_parameters() if t.ndim <= 1]  # no weight decay on BN/bias
    groups = [{"params": decay, "weight_decay": args.wd}, {"params": no_decay, "weight_decay": 0}]
    opt = (torch.optim.AdamW(groups, lr=args.lr) if args.optimizer == "adamw"
           else torch.optim.SGD(groups, lr=args.lr, momentum=0.9, nesterov=True))
    steps = (len(tr_x) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs, steps_per_epoch=steps,
                                                pct_start=0.25)
    print(f"{args.name}: {args.arch}, {params} params, {args.epochs} epochs", flush=True)

    start = time.time()
    history = []
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(len(tr_x), generator=gen)
        total_loss = 0.0
        for s in range(steps):
            idx = order[s * args.batch:(s + 1) * args.batch]
            x = augment(tr_x[idx], gen, args.pad).contiguous(memory_format=torch.channels_last)
            loss = nn.functional.cross_entropy(model(x), tr_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item()
            if s % 100 == 0:
                print(f"  epoch {epoch + 1} step {s}/{steps} loss {loss.item():.4f} "
                      f"({time.time() - start:.0f}s)", flush=True)
        acc = evaluate(model, te_x, te_y)
        history.append({"epoch": epoch + 1, "loss": total_loss / steps, "testAccuracy": acc,
                        "seconds": round(time.time() - start, 1)})
        print(f"epoch {epoch + 1}: loss {total_loss / steps:.4f} test acc {acc:.4f} "
              f"({time.time() - start:.0f}s)", flush=True)

    os.makedirs(RUNS, exist_ok=True)
    model = model.to(memory_format=torch.contiguous_format)
    torch.save(model.state_dict(), os.path.join(RUNS, f"{args.name}.pt"))
    result = {"name": args.name, "arch": args.arch, "epochs": args.epochs, "batch": args.batch, "lr": args.lr,
              "weightDecay": args.wd, "optimizer": args.optimizer, "cropPad": args.pad, "seed": args.seed, "params": params,
              "testAccuracy": history[-1]["testAccuracy"], "trainSeconds": round(time.time() - start, 1),
              "history": history, "torch": torch.__version__}
    with open(os.path.join(RUNS, f"{args.name}.json"), "w") as f:
        json.dump(result, f, indent=2)
    print(f"done: {args.name} test acc {result['testAccuracy']:.4f} in {result['trainSeconds']}s", flush=True)


if __name__ == "__main__":
    main()
