// Streamed encoding must decode to exactly the model encodeModel writes (only field order differs).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from './codec';
import { encodeModelChunks } from './encode-chunks';

const concat = (chunks: Uint8Array[]) => {
  const out = new Uint8Array(chunks.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
};

describe('encodeModelChunks', () => {
  for (const file of ['tools/fixtures/models/resnet-basic-bn.onnx', 'src/core/onnx/test-data/tensors.onnx']) {
    it(`${file}: decodes to the same model as encodeModel, with big payloads passed as the tensors' own bytes`, () => {
      const model = decodeModel(new Uint8Array(readFileSync(file)));
      const expected = encodeModel(model);
      const chunks = encodeModelChunks(model, 8);
      expect(encodeModel(model)).toEqual(expected); // the model is left as it was
      const raws = new Set(model.graph!.initializer.map((t) => t.rawData));
      expect(chunks.some((c) => raws.has(c))).toBe(true);
      expect(Array.from(encodeModel(decodeModel(concat(chunks))))).toEqual(Array.from(expected));
    });
  }

  it('a model without big tensors is one encodeModel chunk', () => {
    const model = decodeModel(new Uint8Array(readFileSync('src/core/onnx/test-data/tensors.onnx')));
    expect(encodeModelChunks(model, 1 << 30)).toEqual([encodeModel(model)]);
  });
});
