// External data against files written by the ONNX Python package (test-data/make_fixtures.py):
// external.onnx + external.onnx.data from onnx.save_model(..., save_as_external_data=True), and
// external-inline.onnx, the same model loaded back by onnx and saved inline.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeModel, encodeModel } from './codec';
import { OnnxFormatError } from './errors';
import { externalDataLocations, fitsInline, resolveExternalData, splitExternalData } from './external-data';
import { onnx } from './proto';
import { tensorToFloat32 } from './tensor';

const DIR = 'src/core/onnx/test-data';
const read = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, name)));
const sideFiles = (files: Record<string, Uint8Array>) => (location: string) => {
  const f = files[location];
  if (!f) throw new Error(`no such file: ${location}`);
  return f;
};

async function loadPair(): Promise<ReturnType<typeof decodeModel>> {
  const model = decodeModel(read('external.onnx'), 'external.onnx');
  return resolveExternalData(model, sideFiles({ 'external.onnx.data': read('external.onnx.data') }), 'external.onnx');
}

/** Runs a model with onnxruntime on a fixed input; saving must not change what it computes. */
async function run(model: Uint8Array | string): Promise<Float32Array> {
  // Two calls: the overloads take a path or bytes, not the union.
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model) : await ort.InferenceSession.create(model);
  const input = Float32Array.from({ length: 3 * 8 * 8 }, (_, i) => Math.sin(i));
  const out = await session.run({ input: new ort.Tensor('float32', input, [1, 3, 8, 8]) });
  return out.output!.data as Float32Array;
}

describe('external data', () => {
  it('lists the side files a model needs', () => {
    const model = decodeModel(read('external.onnx'), 'external.onnx');
    expect(externalDataLocations(model)).toEqual(['external.onnx.data']);
    expect(externalDataLocations(decodeModel(read('external-inline.onnx')))).toEqual([]);
  });

  it('loads side-file data into raw_data exactly as onnx.load does (same bytes when saved inline)', async () => {
    const model = await loadPair();
    expect(externalDataLocations(model)).toEqual([]);
    const weight = model.graph!.initializer.find((t) => t.name === 'conv.weight')!;
    expect(weight.dataLocation).toBe(onnx.TensorProto.DataLocation.DEFAULT);
    expect(weight.externalData).toEqual([]);
    expect(tensorToFloat32(weight)).toHaveLength(4 * 3 * 3 * 3);
    expect(fitsInline(model)).toBe(true);
    expect(Array.from(encodeModel(model))).toEqual(Array.from(read('external-inline.onnx')));
  });

  it('saves as a pair that onnxruntime runs with the same results, and that loads back', async () => {
    const model = await loadPair();
    const before = encodeModel(model);
    const pair = splitExternalData(model, 'weights.bin', 16);
    expect(Array.from(encodeModel(model))).toEqual(Array.from(before)); // the model is left as it was
    // conv.weight (432 bytes) at 0, conv.bias (16 bytes) at the next 64-byte boundary; scale (4 bytes) stays inline.
    expect(pair.data.length).toBe(448 + 16);
    const reloaded = decodeModel(pair.model, 'split.onnx');
    expect(externalDataLocations(reloaded)).toEqual(['weights.bin']);
    expect(reloaded.graph!.initializer.find((t) => t.name === 'scale')!.rawData.length).toBe(4);
    // onnxruntime loads the pair from disk (it resolves the side file itself) and computes the same output.
    const dir = mkdtempSync(join(tmpdir(), 'external-data-'));
    try {
      writeFileSync(join(dir, 'split.onnx'), pair.model);
      writeFileSync(join(dir, 'weights.bin'), pair.data);
      expect(Array.from(await run(join(dir, 'split.onnx')))).toEqual(Array.from(await run(read('external-inline.onnx'))));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await resolveExternalData(reloaded, sideFiles({ 'weights.bin': pair.data }), 'split.onnx');
    expect(Array.from(encodeModel(reloaded))).toEqual(Array.from(before));
  });

  it('names the missing side file and says to open it together with the .onnx', async () => {
    const model = decodeModel(read('external.onnx'), 'external.onnx');
    const err = await resolveExternalData(model, sideFiles({}), 'external.onnx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnnxFormatError);
    expect((err as Error).message).toMatch(/^external\.onnx: .*"external\.onnx\.data".*could not be read/);
    expect((err as Error).message).toMatch(/Select or drop "external\.onnx\.data" together with the \.onnx file/);
  });

  it('says a too-short side file is truncated, naming the file and the tensor', async () => {
    const model = decodeModel(read('external.onnx'), 'external.onnx');
    const short = read('external.onnx.data').subarray(0, 100);
    const err = await resolveExternalData(model, sideFiles({ 'external.onnx.data': short }), 'external.onnx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnnxFormatError);
    expect((err as Error).message).toMatch(/"external\.onnx\.data" is too short: tensor "conv\.\w+" needs bytes \d+–\d+ but the file has 100 bytes/);
  });

  it('refuses side-file locations outside the model folder', async () => {
    const model = decodeModel(read('external.onnx'), 'external.onnx');
    const w = model.graph!.initializer.find((t) => t.name === 'conv.weight')!;
    w.externalData.find((e) => e.key === 'location')!.value = '../../etc/passwd';
    const err = await resolveExternalData(model, sideFiles({}), 'external.onnx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OnnxFormatError);
    expect((err as Error).message).toMatch(/not a plain path next to the model/);
  });
});
