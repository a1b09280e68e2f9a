"""Exports a trained demo model (runs/<name>.pt) to public/models/ as ONNX, checks the export
against PyTorch with onnxruntime-node, and writes its model card.

  /usr/bin/python3 tools/train-demo/export.py fmnist-resnet14 [--bn-variant]

<name>.onnx     eval-mode export: BatchNorm folded into the preceding Conv (what users usually have)
<name>-bn.onnx  (--bn-variant) TrainingMode.PRESERVE export of the same eval-mode model: BatchNormalization
                nodes kept, so BN-aware pruning scores have something to read
"""
import argparse
import datetime
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from data import CLASS_NAMES, MEAN, STD, load_split  # noqa: E402
from models import ARCHITECTURES, count_macs  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
# DEMO_MODELS_DIR: where to write (held-out variants for benches go outside public/, see bench/README)
MODELS = os.environ.get("DEMO_MODELS_DIR", os.path.join(ROOT, "public", "models"))
RUNS = os.path.join(HERE, "runs")
OPSET = 13
TOLERANCE = 1e-3  # max |logit difference| between PyTorch and onnxruntime

DESCRIPTIONS = {
    "resnet8": ("ResNet-8 (Fashion-MNIST)",
                "ResNet with basic blocks: 3×3 stem (16) → 3 stages of 1 basic block each (16/32/64 channels, "
                "stride 2 at stages 2 and 3, 1×1 projection shortcuts where the shape changes) → global "
                "average pool → Linear(64→10). BatchNorm after every conv, residual Adds."),
    "resnet": ("ResNet-14 (Fashion-MNIST)",
               "ResNet with basic blocks: 3×3 stem (16) → 3 stages of 2 basic blocks (16/32/64 channels, "
               "stride 2 at stages 2 and 3, 1×1 projection shortcuts where the shape changes) → global "
               "average pool → Linear(64→10). BatchNorm after every conv, residual Adds."),
    "squeezenet": ("SqueezeNet-style (Fashion-MNIST)",
                   "SqueezeNet-style: 3×3 stem (32) → max-pool → 6 Fire modules (squeeze 1×1 → expand 1×1 ‖ "
                   "expand 3×3 → channel Concat; 16/32, 16/32, ·pool·, 24/48, 24/48, 32/64, 32/64) → dropout → "
                   "1×1 conv to 10 class maps → global average pool. BatchNorm after every conv."),
    "vit": ("ViT (Fashion-MNIST)",
            "Vision transformer (torchvision's VisionTransformer class, the code of ViT-B/16): 7×7 patch Conv "
            "(1→64) → 16 patch tokens + class token + position embedding → 3 encoder blocks (LayerNorm, "
            "4-head self-attention with a packed QKV projection, LayerNorm, MLP 64→128→64 with GELU, residual "
            "Adds) → LayerNorm → class token → Linear(64→10). Heads, MLP width and embedding width prune."),
    "vit-wide": ("ViT, wider (Fashion-MNIST)",
                 "The held-out ViT variant: width 96, 6 heads, MLP 192, otherwise as the demo ViT."),
    "vgg": ("VGG-style (Fashion-MNIST)",
            "VGG-style: [3×3 conv 16, 3×3 conv 16, max-pool, 3×3 conv 32, 3×3 conv 32, max-pool] with "
            "BatchNorm+ReLU → Flatten (32×7×7) → Linear(1568→64) → ReLU → Linear(64→10)."),
}


def export(model, path, training_mode):
    dummy = torch.zeros(2, 1, 28, 28)
    torch.onnx.export(model, dummy, path, opset_version=OPSET, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      do_constant_folding=True, training=training_mode)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    return m


def weight_count(m):
    """Elements of float initializers with rank ≥ 1: the model's weights as the studio sees them."""
    return sum(int(np.prod(t.dims)) for t in m.graph.initializer
               if t.data_type == onnx.TensorProto.FLOAT and len(t.dims) >= 1)


def verify(path, images, expected):
    """Runs the ONNX file with onnxruntime-node (batch 64 and batch 1) and compares with PyTorch."""
    base = os.path.join(RUNS, os.path.basename(path))
    images.astype(np.float32).tofile(base + ".input.bin")
    expected.astype(np.float32).tofile(base + ".expected.bin")
    subprocess.run(["node", os.path.join(HERE, "verify-onnx.mjs"), path, base + ".input.bin",
                    base + ".expected.bin", str(len(images)), str(TOLERANCE)], check=True)


# Demo models in the order the studio offers them; the first one present is the default.
ORDER = ["fmnist-resnet8", "fmnist-resnet14", "fmnist-squeezenet", "fmnist-vgg", "fmnist-vit"]


def write_index():
    """Rewrites public/models/index.json from the cards present (the browser cannot list a folder)."""
    models = []
    for name in ORDER:
        card_path = os.path.join(MODELS, f"{name}.card.json")
        if os.path.exists(card_path):
            with open(card_path) as f:
                card = json.load(f)
            models.append({"name": name, "title": card["title"], "file": card["file"], "card": f"{name}.card.json",
                           "variants": [v["file"] for v in card["variants"]],
                           "testAccuracy": card["testAccuracy"], "params": card["params"], "macs": card["macs"]})
    if not models:  # a folder of held-out variants only: no demo index to write
        return
    with open(os.path.join(MODELS, "index.json"), "w") as f:
        json.dump({"default": models[0]["name"], "models": models}, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("name")
    p.add_argument("--bn-variant", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(2)

    with open(os.path.join(RUNS, f"{args.name}.json")) as f:
        run = json.load(f)
    model = ARCHITECTURES[run["arch"]]()
    model.load_state_dict(torch.load(os.path.join(RUNS, f"{args.name}.pt")))
    model.eval()

    te_x, _ = load_split("t10k")
    images = te_x[:64].astype(np.float32)[:, None] / 255.0
    with torch.no_grad():
        expected = model(torch.from_numpy(images)).numpy()

    os.makedirs(MODELS, exist_ok=True)
    path = os.path.join(MODELS, f"{args.name}.onnx")
    folded = export(model, path, torch.onnx.TrainingMode.EVAL)
    ops = [n.op_type for n in folded.graph.node]
    if "BatchNormalization" in ops:
        raise SystemExit(f"{path}: BatchNormalization survived the eval export; expected it folded into Conv")
    verify(path, images, expected)
    files = {"file": f"{args.name}.onnx"}
    variants = []

    if args.bn_variant:
        bn_path = os.path.join(MODELS, f"{args.name}-bn.onnx")
        kept = export(model, bn_path, torch.onnx.TrainingMode.PRESERVE)
        bn_ops = [n.op_type for n in kept.graph.node]
        if "BatchNormalization" not in bn_ops:
            raise SystemExit(f"{bn_path}: no BatchNormalization node; the PRESERVE export folded them")
        verify(bn_path, images, expected)
        variants.append({"file": f"{args.name}-bn.onnx", "batchNormKept": True,
                         "batchNormNodes": bn_ops.count("BatchNormalization"), "params": weight_count(kept),
                         "bytes": os.path.getsize(bn_path)})

    title, architecture = DESCRIPTIONS[run["arch"]]
    card = {
        "name": args.name,
        "title": title,
        **files,
        "architecture": architecture,
        "data": "Fashion-MNIST (Zalando), 60,000 training / 10,000 test images, 28×28 grayscale; "
                "read from Debian's dataset-fashion-mnist package",
        "epochs": run["epochs"],
        "testAccuracy": round(run["testAccuracy"], 4),
        "testAccuracyNote": "top-1 fraction on the full 10,000-image Fashion-MNIST test set, PyTorch eval mode",
        "params": weight_count(folded),
        "trainableParams": run["params"],
        "macs": count_macs(model),
        "macsNote": "multiply-adds of every Conv and Linear/Gemm (and attention's Q·Kᵀ and attention·V) for one 1×28×28 "
                    "image (BN, ReLU, pooling, adds, norms, softmax ignored)",
        "bytes": os.path.getsize(path),
        "opset": OPSET,
        "ops": sorted(set(ops)),
        "input": {"name": "input", "shape": [None, 1, 28, 28], "layout": "NCHW", "range": [0, 1],
                  "channels": "grayscale", "dtype": "float32",
                  "normalization": {"mean": MEAN, "std": STD, "insideModel": True}},
        "outputs": [{"name": "logits", "shape": [None, 10], "meaning": "unnormalised class scores (softmax not applied)"}],
        "classNames": CLASS_NAMES,
        "variants": variants,
        "trainedWith": {
            "framework": f"PyTorch {run['torch']} on CPU (shared 2-core machine), exported with torch.onnx",
            "optimizer": (f"AdamW, weight decay {run['weightDecay']} (not on norms/bias)" if run.get("optimizer") == "adamw"
                          else f"SGD Nesterov momentum 0.9, weight decay {run['weightDecay']} (not on BN/bias)"),
            "schedule": f"OneCycle, peak LR {run['lr']}, {run['epochs']} epochs, batch {run['batch']}",
            "augmentation": (f"random crop (pad {run['cropPad']}) + horizontal flip" if run.get("cropPad")
                             else "horizontal flip"),
            "seed": run["seed"],
            "trainSeconds": run["trainSeconds"],
            "history": run["history"],
            "script": "tools/train-demo/train.py",
        },
        "date": datetime.date.today().isoformat(),
    }
    with open(os.path.join(MODELS, f"{args.name}.card.json"), "w") as f:
        json.dump(card, f, indent=2, ensure_ascii=False)
        f.write("\n")
    write_index()
    print(f"exported {path}: {card['params']} params, {card['macs']} MACs, {card['bytes']} bytes, "
          f"acc {card['testAccuracy']}", flush=True)


if __name__ == "__main__":
    main()
