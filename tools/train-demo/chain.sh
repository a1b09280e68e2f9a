#!/usr/bin/env bash
# Trains then exports one demo model. On the shared 2-core machine under load, single-threaded jobs
# run side by side finish far sooner than a two-threaded one (OpenMP barriers stall when oversubscribed).
# Usage: nohup bash tools/train-demo/chain.sh resnet8|squeezenet|vgg > tools/train-demo/logs/chain-X.log 2>&1 &
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
esac
echo "chain $1 done"
