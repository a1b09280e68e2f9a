import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeModel, encodeModel } from './codec';
import { OnnxFormatError } from './errors';
import type { TensorProto } from './proto';

const tiny = new Uint8Array(readFileSync('tools/fixtures/models/tiny-conv.onnx'));

/** The OnnxFormatError that decoding `bytes` as `source` throws (fails the test if none). */
function rejection(bytes: Uint8Array, source: string): OnnxFormatError {
  try {
    decodeModel(bytes, source);
  } catch (err) {
    expect(err).toBeInstanceOf(OnnxFormatError);
    return err as OnnxFormatError;
  }
  throw new Error(`${source} was accepted`);
}

describe('codec', () => {
  it('round-trips a model byte-for-byte', () => {
    const model = decodeModel(tiny, 'tiny-conv.onnx');
    const encoded = encodeModel(model);
    expect(decodeModel(encoded, 'again.onnx')).toEqual(model);
    expect(Array.from(encoded)).toEqual(Array.from(tiny));
  });

  it('encodes a small model into an ArrayBuffer of its own (safe to transfer to a worker)', () => {
    const model = decodeModel(tiny, 'tiny-conv.onnx');
    const encoded = encodeModel(model);
    expect(encoded.byteOffset).toBe(0);
    expect(encoded.buffer.byteLength).toBe(tiny.byteLength);
  });

  it('encodes a large model (pre-sized buffer path) losslessly', () => {
    const model = decodeModel(tiny, 'tiny-conv.onnx');
    const big = { ...model.graph!.initializer[0]!, name: 'big', rawData: new Uint8Array(3 << 20).fill(7) };
    model.graph!.initializer.push(big as TensorProto);
    const encoded = encodeModel(model);
    expect(encoded.byteLength).toBeGreaterThan(3 << 20);
    const again = decodeModel(encoded, 'big.onnx');
    const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(a, b) === 0;
    expect(same(again.graph!.initializer.at(-1)!.rawData, big.rawData)).toBe(true);
    expect(same(encodeModel(again), encoded)).toBe(true);
  });

  it.each([
    ['empty file', 'empty.onnx', new Uint8Array(), 'the file is empty'],
    ['PNG image', 'photo.onnx', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), 'this is a PNG image'],
    ['JPEG image', 'photo.onnx', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]), 'this is a JPEG image'],
    ['TF.js model.json', 'model.json', new TextEncoder().encode('{"format":"layers-model","modelTopology":{}}'), 'this is a JSON file (a TensorFlow.js'],
    ['PyTorch zip checkpoint', 'resnet.pth', new Uint8Array([0x50, 0x4b, 0x03, 0x04, 1, 2]), 'this is a ZIP archive'],
  ])('names the file and says what a %s really is', (_label, source, bytes, problem) => {
    const err = rejection(bytes, source);
    expect(err.message.startsWith(`${source}: ${problem}`), err.message).toBe(true);
    expect(err.source).toBe(source);
  });

  it('says a truncated file is truncated and to copy it again', () => {
    const err = rejection(tiny.subarray(0, Math.floor(tiny.length * 0.6)), 'cut.onnx');
    expect(err.message).toMatch(/^cut\.onnx: the file is truncated or corrupt/);
    expect(err.hint).toMatch(/copy the file again/);
  });

  it('rejects random bytes that are not a protobuf', () => {
    let x = 12345;
    const garbage = Uint8Array.from({ length: 4096 }, () => ((x = (x * 1103515245 + 12345) >>> 0) >>> 24));
    const err = rejection(garbage, 'garbage.bin');
    expect(err.message).toMatch(/^garbage\.bin: /);
  });

  it('rejects a protobuf that has no graph', () => {
    // ir_version = 8 and nothing else: valid protobuf, not a model.
    expect(rejection(new Uint8Array([0x08, 0x08]), 'empty-model.onnx').message).toMatch(/has no graph/);
  });
});
