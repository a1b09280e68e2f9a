// Recovery on an export whose layers share tensors: torch deduplicates the equal SE biases of a fresh
// EfficientNet-B0 by feeding later layers an Identity of the first. Bias correction used to stop on
// such a bias ("input 2 … is not a constant"), and least squares wrote its refit bias under the
// Identity's output name, so the model it wrote defined that name twice (onnxruntime: "Duplicate
// definition of name"). Each refit layer now gets a bias of its own.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../../core/onnx/codec.js';
import { referenceOutputs } from '../../core/score/metric.js';
import { runCli } from '../test-utils/run-cli.js';
import { loadImageBatches, nodeModelRunner } from './score-images.js';

const MODEL = 'tools/fixtures/models/efficientnet-b0.onnx';
const dir = mkdtempSync(join(tmpdir(), 'shared-tensors-'));

describe('recovery on layers that share tensors', () => {
  for (const method of ['lsq', 'bias']) {
    it(`prune --recover ${method} on EfficientNet-B0 writes a model onnxruntime runs`, async () => {
      const out = join(dir, `${method}.onnx`);
      const r = await runCli(['prune', MODEL, '-o', out, '--ratio', '0.3', '--criterion', 'l1', '--images', 'public/samples/calibration', '--recover', method, '--json']);
      expect(r.code, r.err).toBe(0);
      const model = decodeModel(readFileSync(out), out);
      const names = [...model.graph!.initializer.map((t) => t.name), ...model.graph!.node.flatMap((n) => n.output)];
      expect(new Set(names).size).toBe(names.length);
      const { batches } = loadImageBatches(model, 'public/samples/calibration', process.cwd(), { limit: 4 });
      const [outputs] = await referenceOutputs(model, nodeModelRunner, batches);
      expect(Object.values(outputs!)[0]!.data.every(Number.isFinite)).toBe(true);
    }, 120_000);
  }
});
