"""What a PyTorch user gets from low-rank compression of an ONNX model: each chosen layer's weight
replaced by its truncated SVD (torch.linalg.svd; Conv weights as [out, in·kh·kw], Gemm/MatMul as they
are), at the ranks our `lowrank` chose, on the ONNX graph run as a torch module (onnx_module.py); then
accuracy on a test set. Plain SVD, no calibration data: the baseline for our data-aware variant.
  /usr/bin/python3 tools/torch-anchor/lowrank.py --model M.onnx --ranks ranks.json \
      --test t10k-images.gz --labels t10k-labels.gz
ranks.json: {"node name": rank, ...}. Prints one JSON line: {"testAccuracy": ..., "layers": n}."""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from onnx_module import OnnxModule  # noqa: E402
from sparsify import test_accuracy  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--ranks", required=True)
    p.add_argument("--test", required=True)
    p.add_argument("--labels", required=True)
    args = p.parse_args()
    torch.set_num_threads(2)
    ranks = json.load(open(args.ranks))
    module = OnnxModule(args.model).eval()
    done = 0
    with torch.no_grad():
        for node in module.graph.node:
            if node.name not in ranks or node.op_type not in ("Conv", "Gemm", "MatMul"):
                continue
            weight = node.input[1]
            key = module.names.get(weight)
            w = module.params[key] if key is not None else None
            if w is None:
                continue
            matrix = w.reshape(w.shape[0], -1)
            u, s, vh = torch.linalg.svd(matrix.double(), full_matrices=False)
            r = int(ranks[node.name])
            approx = (u[:, :r] * s[:r]) @ vh[:r]
            w.copy_(approx.reshape(w.shape).float())
            done += 1
    print(json.dumps({"testAccuracy": test_accuracy(module, args.test, args.labels), "layers": done}))


if __name__ == "__main__":
    main()
