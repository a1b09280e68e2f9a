"""Fashion-MNIST loading from Debian's dataset-fashion-mnist IDX files (no download)."""
import gzip
import os

import numpy as np

DATA_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
CLASS_NAMES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
# Statistics of the 60k training images in [0,1]; baked into every model as its first op.
MEAN = 0.2860
STD = 0.3530


def _read_idx(path):
    if not os.path.exists(path):
        raise SystemExit(f"{path} is missing: install Debian's dataset-fashion-mnist "
                         "(apt-get install dataset-fashion-mnist) or set FASHION_MNIST_DIR")
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_split(split):
    """Returns (images uint8 N×28×28, labels int64 N) for split 'train' or 't10k'."""
    images = _read_idx(os.path.join(DATA_DIR, f"{split}-images-idx3-ubyte.gz"))
    labels = _read_idx(os.path.join(DATA_DIR, f"{split}-labels-idx1-ubyte.gz"))
    return images, labels.astype(np.int64)


def load_tensors():
    """Both splits as torch tensors: images N×1×28×28 in [0, 1] and int64 labels (train, then test)."""
    import torch  # the IDX reader above stays usable without torch

    def images(a):
        return torch.from_numpy(a.astype(np.float32) / 255.0)[:, None]

    (tr_x, tr_y), (te_x, te_y) = load_split("train"), load_split("t10k")
    return images(tr_x), torch.from_numpy(tr_y), images(te_x), torch.from_numpy(te_y)
