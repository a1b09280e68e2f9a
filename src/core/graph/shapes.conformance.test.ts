// Shape rules against the ONNX backend conformance tests (Debian libonnx-testdata): for every
// model whose output is produced by an op we have a rule for, the inferred output shape must equal
// the shape of the reference output tensor (test_data_set_0/output_N.pb). The declared output
// shapes are removed first, so nothing but our rules can supply the answer, and the test's input
// tensors are turned into initializers: shape-carrying inputs (axes, sizes, pads, k) then have
// known values, as they do in exported models.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../onnx/codec.js';
import { onnx, type TensorProto } from '../onnx/proto.js';
import { tensorDims } from '../onnx/tensor.js';
import { corpusModels } from '../onnx/test-utils/corpus.js';
import { buildGraph } from './ir.js';
import { inferShapes } from './shapes.js';
import { SHAPE_RULES } from './shape-ops/registry.js';

const readTensor = (path: string) => onnx.TensorProto.decode(readFileSync(path)) as unknown as TensorProto;

describe('shape rules on the ONNX backend conformance tests', () => {
  it('infer exactly the reference output shapes', () => {
    const mismatches: string[] = [];
    let compared = 0;
    for (const file of corpusModels()) {
      const data = join(dirname(file), 'test_data_set_0');
      if (!existsSync(data)) continue;
      const model = decodeModel(readFileSync(file), file);
      const graph = model.graph!;
      // Sequence/optional-typed tests (Identity of a sequence, ...) are outside tensor shapes.
      if (![...graph.input, ...graph.output].every((v) => v.type?.tensorType)) continue;
      const inputs = graph.input.filter((i) => !graph.initializer.some((t) => t.name === i.name));
      inputs.forEach((input, i) => {
        const path = join(data, `input_${i}.pb`);
        if (!existsSync(path)) return;
        const tensor = readTensor(path); // a decoded message: its defaults live on the prototype, so no spreading
        tensor.name = input.name;
        graph.initializer.push(tensor);
      });
      const expected = graph.output.map((o, i) => ({ name: o.name, path: join(data, `output_${i}.pb`) }));
      for (const o of graph.output) o.type = null;
      graph.valueInfo = [];

      const ir = buildGraph(model);
      const shapes = inferShapes(ir);
      for (const { name, path } of expected) {
        const producer = ir.producer.get(name);
        if (!producer || !SHAPE_RULES[producer.opType] || !existsSync(path)) continue;
        compared++;
        const got = shapes.tensors.get(name)?.shape;
        const want = tensorDims(readTensor(path));
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          const why = shapes.unknownNodes.map((u) => u.reason).join('; ');
          mismatches.push(`${file}: ${producer.opType} → ${JSON.stringify(got)}, reference ${JSON.stringify(want)} ${why}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(900);
  }, 60_000);
});
