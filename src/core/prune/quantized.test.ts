// Quantized models in the three layouts onnxruntime's tools write (tools/fixtures/quantized.py):
// their groups and MACs are found, magnitudes are taken on dequantized weights, and pruning keeps
// the quantization. (Pruned == masked is proven for them by apply.fixtures.test.ts.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../graph/channels/analyse.js';
import { buildGraph } from '../graph/ir.js';
import { modelMetrics } from '../metrics/model-metrics.js';
import { decodeModel } from '../onnx/codec.js';
import { TensorDataType, type ModelProto } from '../onnx/proto.js';
import { groupMagnitudes } from '../score/magnitude.js';
import { applyPlan } from './apply.js';
import { halfPlan } from './test-utils/masked.js';
import { randomInputs, runModel } from './test-utils/ort.js';

const load = (name: string) => decodeModel(readFileSync(new URL(`../../../tools/fixtures/models/${name}.onnx`, import.meta.url)), name);
const LAYOUTS = ['quant-dynamic', 'quant-qdq', 'quant-qoperator'] as const;
const INTEGER_TYPES = new Set<number>([TensorDataType.INT8, TensorDataType.UINT8, TensorDataType.INT32]);
const integerInits = (m: ModelProto) => m.graph!.initializer.filter((t) => INTEGER_TYPES.has(t.dataType) && t.dims.length > 0).map((t) => `${t.name}:${t.dataType}`).sort();

describe.each(LAYOUTS)('%s', (name) => {
  const model = load(name);
  const analysis = analyseChannels(buildGraph(model));

  it('shows the conv groups (conv2 and conv3 tied by the residual) and the float network’s MACs', () => {
    expect(analysis.groups.filter((g) => g.prunable).map((g) => g.channels)).toEqual([16, 16]);
    const metrics = modelMetrics(model);
    // conv1 16·3·9·256 + conv2, conv3 16·16·9·256 + fc 16·10
    expect(metrics.macs).toBe(1_290_400);
    expect(metrics.params).toBeGreaterThan(5_000);
  });

  it('prunes into a model that keeps its quantization and runs with onnxruntime’s integer kernels', async () => {
    const pruned = applyPlan(model, halfPlan(analysis), analysis);
    expect(pruned.graph!.node.map((n) => n.opType)).toEqual(model.graph!.node.map((n) => n.opType));
    expect(integerInits(pruned)).toEqual(integerInits(model));
    expect(modelMetrics(pruned).macs).toBeLessThan(0.4 * 1_290_400);
    const out = await runModel(pruned, randomInputs([{ name: 'input', shape: ['N', 3, 16, 16] }], 3));
    expect(out.output!.dims).toEqual([2, 10]);
  });
});

describe('magnitudes of quantized weights', () => {
  const scores = (name: string) => {
    const analysis = analyseChannels(buildGraph(load(name)));
    return [...groupMagnitudes(analysis, 'l2').values()].map((v) => {
      const mean = v.reduce((a, x) => a + x, 0) / v.length;
      return Array.from(v, (x) => x / mean);
    });
  };

  it('are taken on (q − zero point) · scale: per-channel scales give the per-tensor ranking', () => {
    // quant-dynamic has one scale per tensor, so its int8 values are proportional to the float
    // weights; the QDQ and QOperator weights are scaled per channel (each channel's int8 values
    // span ±127), so without dequantization their channels would look alike.
    const reference = scores('quant-dynamic');
    for (const name of ['quant-qdq', 'quant-qoperator']) {
      const got = scores(name);
      expect(got.length).toBe(reference.length);
      got.forEach((v, g) => v.forEach((x, c) => expect(Math.abs(x - reference[g]![c]!), `${name} group ${g} channel ${c}`).toBeLessThan(0.02)));
    }
    // The spread the test relies on (conv2's channels were scaled by 0.2…2 before quantization):
    // per-channel int8 values alone would show every group nearly flat.
    const spread = reference.map((v) => Math.max(...v) / Math.min(...v));
    expect(Math.min(...spread)).toBeGreaterThan(1.5);
  });
});
