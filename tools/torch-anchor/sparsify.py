"""What a PyTorch user gets when sparsifying an ONNX model: torch.nn.utils.prune's L1 unstructured
pruning (per layer, or global over all layers) of the Conv/Gemm/MatMul weights, on the ONNX graph run
as a torch module (onnx_module.py), then accuracy on a test set.
  /usr/bin/python3 tools/torch-anchor/sparsify.py --model M.onnx --sparsity 0.5 --scope global \
      --test t10k-images.gz --labels t10k-labels.gz
Prints one JSON line: {"testAccuracy": ..., "sparsity": ...}."""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.nn.utils.prune as prune

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_module import OnnxModule  # noqa: E402
from distill import idx  # noqa: E402


class Holder(torch.nn.Module):
    """torch.nn.utils.prune works on module attributes: one holder per weight, named `weight`."""

    def __init__(self, tensor):
        super().__init__()
        self.weight = torch.nn.Parameter(tensor.detach().clone())


def test_accuracy(module, images, labels):
    """Top-1 accuracy of the module's first output on an IDX test set (pixels scaled to [0, 1])."""
    x = torch.from_numpy(idx(images).astype(np.float32)[:, None] / 255.0)
    y = torch.from_numpy(idx(labels).astype(np.int64))
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 500):
            correct += int((module(x[i:i + 500]).argmax(1) == y[i:i + 500]).sum())
    return correct / len(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--sparsity", type=float, required=True)
    p.add_argument("--scope", choices=["layer", "global"], default="layer")
    p.add_argument("--test", required=True)
    p.add_argument("--labels", required=True)
    args = p.parse_args()
    torch.set_num_threads(2)
    module = OnnxModule(args.model).eval()
    weights = {n.input[1] for n in module.graph.node if n.op_type in ("Conv", "Gemm", "MatMul") and len(n.input) > 1}
    keys = [module.names[w] for w in weights if w in module.names]
    holders = {k: Holder(module.params[k]) for k in keys}
    if args.scope == "global":
        prune.global_unstructured([(h, "weight") for h in holders.values()], pruning_method=prune.L1Unstructured, amount=args.sparsity)
    else:
        for h in holders.values():
            prune.l1_unstructured(h, "weight", amount=args.sparsity)
    zeros = total = 0
    with torch.no_grad():
        for k, h in holders.items():
            module.params[k].copy_(h.weight)
            zeros += int((h.weight == 0).sum())
            total += h.weight.numel()
    print(json.dumps({"testAccuracy": test_accuracy(module, args.test, args.labels), "sparsity": zeros / max(total, 1)}))


if __name__ == "__main__":
    main()
