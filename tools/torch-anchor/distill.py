"""The PyTorch anchor of the distillation benches (bench/distill.bench.ts, bench/multitask.bench.ts):
distils a pruned ONNX student from its unpruned ONNX teacher with the recipe of docs/training.md on the
same images, and prints one JSON line: seconds of training, the held-out loss per epoch, the test
accuracy of the class output and, for a model with a dense output beside it (two-task models), that
output's test MSE against the input image.

Recipe: T²·KL at temperature T on class outputs (rank 2), ½‖s − t‖² per image on dense ones, each
output's loss scaled by (mean of the outputs' held-out losses at the start) / (its own) — 1 for a
single output — AdamW or SGD-Nesterov ("optimizer") + OneCycleLR, weight decay on ≥2-D tensors, horizontal flips, best epoch
by the held-out loss.

  /usr/bin/python3 tools/torch-anchor/distill.py --teacher T.onnx --student S.onnx --split split.json
split.json: {"images": path of an IDX images file, "train": [...], "heldOut": [...], "test": IDX images,
"testLabels": IDX labels, "epochs", "batch", "lr", "optimizer" ("sgd" or "adamw"; default "sgd"), "temperature", "seed",
"threads", "keepZeros" (optional:
the student's zero weights stay zero — sparse fine-tuning, as torch.nn.utils.prune's masks do)}
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_module import OnnxModule  # noqa: E402


def idx(path):
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def losses(student_outs, teacher_outs, T):
    """Per-output mean loss per image: T²·KL for class outputs (rank 2), ½ Σ (s − t)² for dense ones."""
    out = []
    for s, t in zip(student_outs, teacher_outs):
        if s.dim() == 2:
            out.append((T * T) * F.kl_div(F.log_softmax(s / T, 1), F.softmax(t / T, 1), reduction="batchmean"))
        else:
            out.append(0.5 * ((s - t) ** 2).flatten(1).sum(1).mean())
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--teacher", required=True)
    p.add_argument("--student", required=True)
    p.add_argument("--split", required=True)
    args = p.parse_args()
    cfg = json.load(open(args.split))
    torch.set_num_threads(cfg.get("threads", 2))
    torch.manual_seed(cfg.get("seed", 0))
    images = torch.from_numpy(idx(cfg["images"]).astype(np.float32)[:, None] / 255.0)
    train_x = images[cfg["train"]]
    held_x = images[cfg["heldOut"]]
    T = cfg["temperature"]
    teacher = OnnxModule(args.teacher).eval()
    student = OnnxModule(args.student)
    with torch.no_grad():
        held_t = teacher.forward_all(held_x)
        start = [l.item() for l in losses(student.forward_all(held_x), held_t, T)]
    mean = sum(start) / len(start)
    scales = [mean / l if l > 0 else 1.0 for l in start]

    def total(parts):
        return sum(s * l for s, l in zip(scales, parts)) / len(parts)

    def held_loss():
        with torch.no_grad():
            return total(losses(student.forward_all(held_x), held_t, T)).item()

    masks = [(p, p.detach() != 0) for p in student.parameters() if p.dim() > 1] if cfg.get("keepZeros") else []
    decay = [p for p in student.parameters() if p.dim() > 1]
    no_decay = [p for p in student.parameters() if p.dim() <= 1]
    groups = [{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0}]
    if cfg.get("optimizer", "sgd") == "adamw":
        opt = torch.optim.AdamW(groups, lr=cfg["lr"], betas=(0.9, 0.999), eps=1e-8)
    else:
        opt = torch.optim.SGD(groups, lr=cfg["lr"], momentum=0.9, nesterov=True)
    steps = (len(train_x) + cfg["batch"] - 1) // cfg["batch"]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg["lr"], total_steps=steps * cfg["epochs"])
    best = (held_loss(), {k: v.detach().clone() for k, v in student.state_dict().items()}, 0)
    history = [best[0]]
    started = time.perf_counter()
    gen = torch.Generator().manual_seed(cfg.get("seed", 0))
    for epoch in range(1, cfg["epochs"] + 1):
        order = torch.randperm(len(train_x), generator=gen)
        for i in range(0, len(order), cfg["batch"]):
            x = train_x[order[i:i + cfg["batch"]]]
            flip = torch.rand(len(x), generator=gen) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            with torch.no_grad():
                t = teacher.forward_all(x)
            loss = total(losses(student.forward_all(x), t, T))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            with torch.no_grad():
                for p, keep in masks:
                    p.mul_(keep)
        h = held_loss()
        history.append(h)
        if h < best[0]:
            best = (h, {k: v.detach().clone() for k, v in student.state_dict().items()}, epoch)
    seconds = time.perf_counter() - started
    student.load_state_dict(best[1])
    test_x = torch.from_numpy(idx(cfg["test"]).astype(np.float32)[:, None] / 255.0)
    test_y = torch.from_numpy(idx(cfg["testLabels"]).astype(np.int64))
    correct, se, dense = 0, 0.0, False
    with torch.no_grad():
        for i in range(0, len(test_x), 1000):
            outs = student.forward_all(test_x[i:i + 1000])
            correct += (outs[0].argmax(1) == test_y[i:i + 1000]).sum().item()
            if len(outs) > 1 and outs[1].shape == test_x[i:i + 1000].shape:
                dense = True
                se += ((outs[1] - test_x[i:i + 1000]) ** 2).sum().item()
    result = {"seconds": seconds, "heldOutKl": history, "bestEpoch": best[2], "testAccuracy": correct / len(test_x),
              "torch": torch.__version__}
    if dense:
        result["reconstructionMse"] = se / test_x.numel()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
