// Pruned models must open and run in onnxruntime-web (the browser studio's runtime), here through
// its WASM backend in Node, and agree with onnxruntime-node.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../onnx/codec.js';
import { buildGraph } from '../graph/ir.js';
import { analyseChannels } from '../graph/channels/analyse.js';
import { createSession } from '../../runtime/session.js';
import { applyPlan } from './apply.js';
import { planPrune } from './planner.js';
import { randomInputs, runModel, worstMismatch } from './test-utils/ort.js';

describe.each(['mobilenet-v2.onnx', 'densenet.onnx', 'vgg-flatten.onnx'])('pruned %s in onnxruntime-web', (file) => {
  it('runs on wasm with the outputs of onnxruntime-node', async () => {
    const model = decodeModel(readFileSync(new URL(`../../../tools/fixtures/models/${file}`, import.meta.url)), file);
    const analysis = analyseChannels(buildGraph(model));
    const bytes = encodeModel(applyPlan(model, planPrune(model, analysis, { ratio: 0.5 }), analysis));
    const shape = [1, 3, file.startsWith('vgg') ? 32 : 64, file.startsWith('vgg') ? 32 : 64];
    const feeds = randomInputs([{ name: 'input', shape }], 3, 1);
    const want = await runModel(bytes, feeds);
    const web = await createSession(bytes, { backend: 'wasm' });
    expect(web.backend).toBe('wasm');
    const got = await web.session.run({ input: { dims: shape, data: feeds.input!.data as Float32Array } });
    for (const k of Object.keys(want)) expect(worstMismatch(want[k]!.data, got[k]!.data, 1e-3)).toBeLessThanOrEqual(1);
    await web.session.release();
  });
});
