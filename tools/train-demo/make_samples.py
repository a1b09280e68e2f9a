"""Writes the labelled test samples and the unlabelled calibration split to public/samples/.

  test/<class>/<testIndex>.png   30 per class, the first of each class in t10k order (accuracy is measured here)
  calibration/<trainIndex>.png   512 random TRAINING images (activation statistics only; never scored)
  labels.txt                     line i = class name of output i
  index.json                     every file, because a browser cannot list a folder
"""
import json
import os
import sys

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from data import CLASS_NAMES, load_split  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "public", "samples")
PER_CLASS = 30
CALIBRATION = 512
SEED = 0


def save(img, rel):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(img, mode="L").save(path, format="PNG")  # 8-bit grayscale, 28×28


def main():
    te_x, te_y = load_split("t10k")
    tr_x, _ = load_split("train")
    test = []
    for c in range(len(CLASS_NAMES)):
        for i in np.flatnonzero(te_y == c)[:PER_CLASS]:
            rel = f"test/{c}/{i}.png"
            save(te_x[i], rel)
            test.append({"file": rel, "label": c, "testIndex": int(i)})
    rng = np.random.default_rng(SEED)
    calibration = []
    for i in sorted(rng.choice(len(tr_x), CALIBRATION, replace=False)):
        rel = f"calibration/{i}.png"
        save(tr_x[i], rel)
        calibration.append({"file": rel, "trainIndex": int(i)})
    with open(os.path.join(OUT, "labels.txt"), "w") as f:
        f.write("\n".join(CLASS_NAMES) + "\n")
    index = {
        "dataset": "Fashion-MNIST",
        "image": {"width": 28, "height": 28, "channels": "grayscale", "format": "PNG 8-bit",
                  "toModelInput": "pixel / 255 → [0,1]; the models normalise internally"},
        "classNames": CLASS_NAMES,
        "labels": "labels.txt",
        "test": test,
        "testNote": f"first {PER_CLASS} images of each class in the 10k test set; label = output index",
        "calibration": calibration,
        "calibrationNote": f"{CALIBRATION} random training-set images (seed {SEED}), no labels: use for "
                           "activation statistics only, never for accuracy",
    }
    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(index, f, indent=1)
        f.write("\n")
    print(f"wrote {len(test)} test + {len(calibration)} calibration images to {OUT}")


if __name__ == "__main__":
    main()
