// Factorised models must open and run in onnxruntime-web (the studio's runtime), here through its
// WASM backend in Node, and agree with onnxruntime-node.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSession } from '../../runtime/session.js';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { randomInputs, runModel, worstMismatch } from '../prune/test-utils/ort.js';
import { factoriseModel } from './lowrank.js';

describe.each(['vgg-flatten.onnx', 'resnet-basic-fused.onnx'])('factorised %s in onnxruntime-web', (file) => {
  it('runs on wasm with the outputs of onnxruntime-node and, at full rank, of the original', async () => {
    const model = decodeModel(readFileSync(new URL(`../../../tools/fixtures/models/${file}`, import.meta.url)), file);
    const full = encodeModel(factoriseModel(model, { target: { kind: 'rank-ratio', ratio: 1 }, onlyCheaper: false }).model);
    const cheap = encodeModel(factoriseModel(model, { target: { kind: 'keep-macs', fraction: 0.6 } }).model);
    const shape = [1, 3, file.startsWith('vgg') ? 32 : 64, file.startsWith('vgg') ? 32 : 64];
    const feeds = randomInputs([{ name: 'input', shape }], 3, 1);
    const original = await runModel(model, feeds);
    for (const bytes of [full, cheap]) {
      const want = await runModel(bytes, feeds);
      const web = await createSession(bytes, { backend: 'wasm' });
      const got = await web.session.run({ input: { dims: shape, data: feeds.input!.data as Float32Array } });
      for (const k of Object.keys(want)) expect(worstMismatch(want[k]!.data, got[k]!.data, 1e-3)).toBeLessThanOrEqual(1);
      if (bytes === full) for (const k of Object.keys(want)) expect(worstMismatch(original[k]!.data, got[k]!.data, 1e-4)).toBeLessThanOrEqual(1);
      await web.session.release();
    }
  });
});
