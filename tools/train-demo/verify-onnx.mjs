// Checks one exported ONNX file against PyTorch logits with onnxruntime-node, at the full batch and at
// batch 1 (the batch axis must be dynamic). Called by export.py; exits non-zero on any mismatch.
//   node verify-onnx.mjs model.onnx input.bin expected.bin <count> <tolerance>
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

const [modelPath, inputPath, expectedPath, countArg, tolArg] = process.argv.slice(2);
const count = Number(countArg);
const tolerance = Number(tolArg);
const readFloats = (p) => {
  const b = readFileSync(p);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const input = readFloats(inputPath);
const expected = readFloats(expectedPath);
const session = await ort.InferenceSession.create(modelPath);
const classes = expected.length / count;

async function worstDiff(batch) {
  let worst = 0;
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const data = input.subarray(start * 784, (start + n) * 784);
    const out = await session.run({ input: new ort.Tensor('float32', data, [n, 1, 28, 28]) });
    const logits = out.logits.data;
    for (let i = 0; i < n * classes; i++) worst = Math.max(worst, Math.abs(logits[i] - expected[start * classes + i]));
  }
  return worst;
}

const full = await worstDiff(count);
const single = await worstDiff(1);
console.log(`${modelPath}: max |onnxruntime - pytorch| = ${full.toExponential(2)} (batch ${count}), ${single.toExponential(2)} (batch 1)`);
if (!(full <= tolerance && single <= tolerance)) {
  console.error(`${modelPath}: export does not match PyTorch within ${tolerance}; re-export or inspect the graph`);
  process.exit(1);
}
