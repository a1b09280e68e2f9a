import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeModel, encodeModel } from './codec';
import { OnnxFormatError } from './errors';

const tiny = readFileSync('tools/fixtures/models/tiny-conv.onnx');

describe('codec', () => {
  it('round-trips a model', () => {
    const model = decodeModel(tiny, 'tiny-conv.onnx');
    const again = decodeModel(encodeModel(model), 'again.onnx');
    expect(again).toEqual(model);
  });
  it.each([
    ['empty', new Uint8Array()],
    ['png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])],
    ['json', new TextEncoder().encode('{"format":"layers-model"}')],
  ])('rejects %s input with OnnxFormatError', (_label, bytes) => {
    expect(() => decodeModel(bytes, 'bad.onnx')).toThrow(OnnxFormatError);
  });
});
