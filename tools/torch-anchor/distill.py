"""The PyTorch anchor of the distillation bench (bench/distill.bench.ts): distils a pruned ONNX student
from its unpruned ONNX teacher with the recipe of docs/training.md (T²·KL at temperature T, SGD-Nesterov
+ OneCycleLR, weight decay on ≥2-D tensors, horizontal flips, best epoch by held-out KL) on the same
images, and prints one JSON line: seconds of training, held-out KL per epoch, test accuracy.

  /usr/bin/python3 tools/torch-anchor/distill.py --teacher T.onnx --student S.onnx --split split.json
split.json: {"images": path of an IDX images file, "train": [...], "heldOut": [...], "test": IDX images,
"testLabels": IDX labels, "epochs", "batch", "lr", "temperature", "seed", "threads"}
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


def kd(student, teacher_probs, T):
    return (T * T) * F.kl_div(F.log_softmax(student / T, 1), teacher_probs, reduction="batchmean")


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
        held_t = F.softmax(teacher(held_x) / T, 1)

    def held_kl():
        with torch.no_grad():
            return kd(student(held_x), held_t, T).item()

    decay = [p for p in student.parameters() if p.dim() > 1]
    no_decay = [p for p in student.parameters() if p.dim() <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0}],
                          lr=cfg["lr"], momentum=0.9, nesterov=True)
    steps = (len(train_x) + cfg["batch"] - 1) // cfg["batch"]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg["lr"], total_steps=steps * cfg["epochs"])
    best = (held_kl(), {k: v.detach().clone() for k, v in student.state_dict().items()}, 0)
    history = [best[0]]
    start = time.perf_counter()
    gen = torch.Generator().manual_seed(cfg.get("seed", 0))
    for epoch in range(1, cfg["epochs"] + 1):
        order = torch.randperm(len(train_x), generator=gen)
        for i in range(0, len(order), cfg["batch"]):
            x = train_x[order[i:i + cfg["batch"]]]
            flip = torch.rand(len(x), generator=gen) < 0.5
            x = torch.where(flip[:, None, None, None], x.flip(3), x)
            with torch.no_grad():
                t = F.softmax(teacher(x) / T, 1)
            loss = kd(student(x), t, T)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        kl = held_kl()
        history.append(kl)
        if kl < best[0]:
            best = (kl, {k: v.detach().clone() for k, v in student.state_dict().items()}, epoch)
    seconds = time.perf_counter() - start
    student.load_state_dict(best[1])
    test_x = torch.from_numpy(idx(cfg["test"]).astype(np.float32)[:, None] / 255.0)
    test_y = torch.from_numpy(idx(cfg["testLabels"]).astype(np.int64))
    with torch.no_grad():
        pred = torch.cat([student(test_x[i:i + 1000]).argmax(1) for i in range(0, len(test_x), 1000)])
    print(json.dumps({"seconds": seconds, "heldOutKl": history, "bestEpoch": best[2],
                      "testAccuracy": (pred == test_y).float().mean().item(), "torch": torch.__version__}))


if __name__ == "__main__":
    main()
