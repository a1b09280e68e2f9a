// Both backends on a real torch export: onnxruntime-web's WASM build (which also runs in Node) must
// agree with onnxruntime-node, and cancellation/failure must leave a session usable.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSession, type Float32Tensor, type InferenceSession } from './session.js';
import { decodeModel, encodeModel } from '../core/onnx/codec.js';
import { extendGraph } from '../core/graph/expose.js';
import type { NodeProto, ValueInfoProto } from '../core/onnx/proto.js';

const classifier = new Uint8Array(readFileSync(new URL('./test-data/classifier.onnx', import.meta.url)));

function batch(n: number, seed = 1): Float32Tensor {
  const data = new Float32Array(n * 28 * 28);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (s >>> 8) / 2 ** 24;
  }
  return { dims: [n, 1, 28, 28], data };
}

async function logits(session: InferenceSession, input: Float32Tensor): Promise<Float32Tensor> {
  return (await session.run({ image: input })).logits!;
}

describe('createSession', () => {
  it('runs the same model on onnxruntime-web (wasm) and onnxruntime-node with matching outputs', async () => {
    const node = await createSession(classifier, { backend: 'cpu-node' });
    const web = await createSession(classifier, { backend: 'wasm' });
    expect(node.backend).toBe('cpu-node');
    expect(web.backend).toBe('wasm');
    expect(web.threads).toBe(1);
    expect(web.session.inputNames).toEqual(['image']);
    expect(web.session.outputNames).toEqual(['logits']);
    const input = batch(4);
    const a = await logits(node.session, input);
    const b = await logits(web.session, input);
    expect(a.dims).toEqual([4, 10]);
    expect(b.dims).toEqual([4, 10]);
    // Different kernels, same maths: float32 round-off only.
    for (let i = 0; i < a.data.length; i++) expect(b.data[i]).toBeCloseTo(a.data[i]!, 4);
    // And the outputs really depend on the input (a constant model would pass the comparison).
    const c = await logits(node.session, batch(4, 99));
    expect(Array.from(c.data)).not.toEqual(Array.from(a.data));
    await node.session.release();
    await web.session.release();
  });

  it('falls back from webgpu to wasm in Node and says why', async () => {
    const created = await createSession(classifier, { backend: 'webgpu' });
    expect(created.backend).toBe('wasm');
    expect(created.fallbackReason).toMatch(/WebGPU is not available in Node\.js; using WASM/);
    await created.session.release();
  });

  it('auto picks onnxruntime-node in Node', async () => {
    const created = await createSession(classifier, { backend: 'auto' });
    expect(created.backend).toBe('cpu-node');
    await created.session.release();
  });

  for (const backend of ['cpu-node', 'wasm'] as const) {
    it(`${backend}: an aborted run rejects with AbortError and a failed run leaves the session usable`, async () => {
      const { session } = await createSession(classifier, { backend });
      const controller = new AbortController();
      controller.abort();
      await expect(session.run({ image: batch(1) }, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
      // Aborting while a run is in flight drops its result.
      const late = new AbortController();
      const pending = session.run({ image: batch(2) }, { signal: late.signal });
      late.abort();
      await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
      // A bad input shape fails inside onnxruntime ...
      await expect(session.run({ image: { dims: [1, 3, 28, 28], data: new Float32Array(3 * 28 * 28) } })).rejects.toThrow();
      // ... and the session still works afterwards.
      const ok = await logits(session, batch(2));
      expect(ok.dims).toEqual([2, 10]);
      await session.release();
      await expect(session.run({ image: batch(1) })).rejects.toThrow(/released/);
    });
  }
});

describe('non-float32 outputs', () => {
  it('returns float16 outputs as float32 values on both backends', async () => {
    const model = decodeModel(classifier, 'classifier.onnx');
    const cast = { opType: 'Cast', input: ['logits'], output: ['logits16'], name: 'to_half', domain: '', attribute: [{ name: 'to', type: 2, i: 10 }] } as unknown as NodeProto;
    const bytes = encodeModel(extendGraph(model, { nodes: [cast], initializers: [], outputs: [{ name: 'logits16' } as ValueInfoProto] }));
    for (const backend of ['cpu-node', 'wasm'] as const) {
      const { session } = await createSession(bytes, { backend });
      const out = await session.run({ image: batch(2) });
      expect(out.logits16!.data).toBeInstanceOf(Float32Array);
      out.logits!.data.forEach((v, i) => expect(Math.abs(out.logits16!.data[i]! - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -10 + 1e-7));
      await session.release();
    }
  });
});

describe('halfBitsToFloat32', () => {
  it('decodes float16 outputs (normal, subnormal, signed, infinite)', async () => {
    const { halfBitsToFloat32 } = await import('./ort-wrap.js');
    expect(Array.from(halfBitsToFloat32([0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00, 0x0000]))).toEqual([
      1, -2, Math.fround(0.333251953125), Math.fround(2 ** -24), Infinity, 0,
    ]);
  });
});
