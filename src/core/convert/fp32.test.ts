// toFloat32, the float32 working copy that training and gradients use for fp16 models: no fp16 is
// left anywhere, the copy runs in onnxruntime, and it computes what the fp16 model computes (the
// fp16 model only adds its own rounding).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../onnx/codec.js';
import { onnx, TensorDataType, type ModelProto } from '../onnx/proto.js';
import { randomInputs, runModel } from '../prune/test-utils/ort.js';
import { toFloat16 } from './fp16.js';
import { hasFloat16, toFloat32 } from './fp32.js';

const fixture = (name: string) => decodeModel(readFileSync(`tools/fixtures/models/${name}.onnx`), name);

/** Every element type the model mentions: tensors, value infos, Cast targets. */
function elementTypes(m: ModelProto): Set<number> {
  const g = m.graph!;
  const types = new Set<number>(g.initializer.map((t) => t.dataType));
  for (const vi of [...g.input, ...g.output, ...g.valueInfo]) if (vi.type?.tensorType) types.add(vi.type.tensorType.elemType);
  for (const n of g.node) for (const a of n.attribute) {
    if (a.t) types.add(a.t.dataType);
    if (n.opType === 'Cast' && a.name === 'to') types.add(Number(a.i));
  }
  return types;
}

describe('toFloat32', () => {
  it('widens the converters’ fp16 layout (Cast-wrapped Resize, fp32 I/O) and computes the same', async () => {
    const half = fixture('rsu-fp16');
    expect(hasFloat16(half)).toBe(true);
    const before = onnx.ModelProto.encode(half).finish().slice();
    const wide = toFloat32(half);
    expect(hasFloat16(wide)).toBe(false);
    expect(elementTypes(wide).has(TensorDataType.FLOAT16)).toBe(false);
    expect(onnx.ModelProto.encode(half).finish()).toEqual(before); // the input is not modified
    const feeds = randomInputs([{ name: 'input', shape: [2, 3, 32, 32] }], 3);
    const [a, b] = await Promise.all([runModel(half, feeds), runModel(wide, feeds)]);
    for (const k of Object.keys(a)) {
      const scale = Math.max(1, ...a[k]!.data.map(Math.abs));
      a[k]!.data.forEach((v, i) => expect(Math.abs(v - b[k]!.data[i]!)).toBeLessThan(1e-2 * scale));
    }
  });

  it('undoes toFloat16 exactly on fp16-representable weights', async () => {
    const original = fixture('resnet-basic-bn');
    const half = toFloat16(original).model;
    const wide = toFloat32(half);
    const halfAgain = toFloat32(toFloat16(wide).model);
    // fp16 → fp32 → fp16 → fp32 changes nothing: widening is exact.
    const values = (m: ModelProto) => m.graph!.initializer.map((t) => [t.name, Array.from(t.rawData ?? [])]);
    expect(values(halfAgain)).toEqual(values(wide));
    expect(hasFloat16(original)).toBe(false);
  });
});
