#!/usr/bin/env bash
# Trains then exports one demo model. On the shared 2-core machine under load, single-threaded jobs
# run side by side finish far sooner than a two-threaded one (OpenMP barriers stall when oversubscribed).
# Usage: nohup bash tools/train-demo/chain.sh resnet8|squeezenet|vgg|vit|heldout-resnet8|heldout-squeezenet|heldout-vgg|heldout-vit > tools/train-demo/logs/chain-X.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
LOGS=tools/train-demo/logs
case "$1" in
  resnet8)
    $PY tools/train-demo/train.py --arch resnet8 --name fmnist-resnet8 --epochs 6 --pad 0 --threads 1 \
      > $LOGS/fmnist-resnet8.log 2>&1
    $PY tools/train-demo/export.py fmnist-resnet8 --bn-variant ;;
  squeezenet)
    $PY tools/train-demo/train.py --arch squeezenet --name fmnist-squeezenet --epochs 4 --pad 0 --threads 1 \
      > $LOGS/fmnist-squeezenet.log 2>&1
    $PY tools/train-demo/export.py fmnist-squeezenet ;;
  vgg)
    $PY tools/train-demo/train.py --arch vgg --name fmnist-vgg --epochs 3 --lr 0.05 --pad 0 --threads 1 \
      > $LOGS/fmnist-vgg.log 2>&1
    $PY tools/train-demo/export.py fmnist-vgg ;;
  vit)
    $PY tools/train-demo/train.py --arch vit --name fmnist-vit --epochs 4 --lr 0.002 --wd 0.05 --optimizer adamw --pad 0 --threads 1 \
      > $LOGS/fmnist-vit.log 2>&1
    $PY tools/train-demo/export.py fmnist-vit ;;
  heldout-vit)
    # The held-out ViT: another width and head count (vit-wide) and seed, never tuned on.
    $PY tools/train-demo/train.py --arch vit-wide --name fmnist-vit-s1 --seed 1 --epochs 4 --lr 0.002 --wd 0.05 --optimizer adamw --pad 0 --threads 1 \
      > $LOGS/fmnist-vit-s1.log 2>&1
    DEMO_MODELS_DIR=bench/cache/heldout $PY tools/train-demo/export.py fmnist-vit-s1 ;;
  heldout-*)
    # Held-out variants (seed 1) for the accuracy and distillation benches: never tuned on, written
    # to bench/cache/heldout (gitignored; the benches read BENCH_HELDOUT_DIR or that folder).
    arch=${1#heldout-}
    epochs=$(case $arch in resnet8) echo 6;; squeezenet) echo 4;; vgg) echo 3;; esac)
    lr=$(case $arch in vgg) echo 0.05;; *) echo 0.1;; esac)
    $PY tools/train-demo/train.py --arch $arch --name fmnist-$arch-s1 --seed 1 --epochs $epochs --lr $lr --pad 0 --threads 1 \
      > $LOGS/fmnist-$arch-s1.log 2>&1
    DEMO_MODELS_DIR=bench/cache/heldout $PY tools/train-demo/export.py fmnist-$arch-s1 ;;
esac
echo "chain $1 done"
