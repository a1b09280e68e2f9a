// Our inferred shapes against ONNX's reference shape inference (onnx.shape_inference, run by
// tools/fixtures/shape-only/export.py and saved as <model>.shapes.json) on full-size torchvision
// classifiers whose weight payloads are stripped: shapes must not need payloads.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../onnx/codec.js';
import { buildGraph } from './ir.js';
import { inferShapes } from './shapes.js';

const DIR = 'tools/fixtures/shape-only';
const MODELS = ['resnet18', 'resnet50', 'mobilenet_v2', 'squeezenet1_1', 'efficientnet_b0', 'densenet121'];

describe('shape inference agrees with onnx.shape_inference', () => {
  for (const name of MODELS) {
    it(name, () => {
      const model = decodeModel(readFileSync(`${DIR}/${name}.onnx`), name);
      expect(model.metadataProps.find((p) => p.key === 'weights_stripped')?.value).toBe('true');
      const ir = buildGraph(model);
      expect(ir.graph.valueInfo).toEqual([]); // the fixture has no hints: everything is computed
      const reference = JSON.parse(readFileSync(`${DIR}/${name}.shapes.json`, 'utf8')) as Record<string, (number | string | null)[]>;
      const shapes = inferShapes(ir);
      expect(shapes.unknownNodes).toEqual([]);
      const names = Object.keys(reference);
      expect(names.length).toBeGreaterThanOrEqual(ir.nodes.length);
      for (const tensor of names) {
        expect(shapes.tensors.get(tensor)?.shape, tensor).toEqual(reference[tensor]!.map((d) => d ?? '?'));
      }
    });
  }
});
