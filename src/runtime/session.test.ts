// Both backends on a real torch export: onnxruntime-web's WASM build (which also runs in Node) must
// agree with onnxruntime-node, and cancellation/failure must leave a session usable.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createSession, type Float32Tensor, type InferenceSession } from './session.js';

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
