#!/usr/bin/env bash
# Regenerates the static protobuf.js codec for ONNX from the official schema.
# The schema is vendored in tools/proto/onnx-ml.proto (a superset of onnx.proto: map, sequence
# and optional types); refresh it from Debian's python3-onnx with --refresh.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = "--refresh" ]; then
  cp /usr/lib/python3/dist-packages/onnx/onnx-ml.proto tools/proto/onnx-ml.proto
fi
out=src/core/onnx/generated
mkdir -p "$out"
# --force-long: every int64 decodes to a Long, so no value ever loses precision.
npx pbjs -t static-module -w es6 --force-long --no-verify --no-convert --no-delimited --no-service \
  --no-beautify -o "$out/onnx.js" tools/proto/onnx-ml.proto
npx pbts --no-comments -o "$out/onnx.d.ts" "$out/onnx.js"
# protobufjs 8 resolves "protobufjs/minimal" only with an explicit extension under ESM.
sed -i 's#from "protobufjs/minimal"#from "protobufjs/minimal.js"#' "$out/onnx.js"
echo "generated $out/onnx.js and $out/onnx.d.ts"
