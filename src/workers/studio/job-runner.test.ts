import { describe, expect, it } from 'vitest';
import type { ModelProto } from '../../core/onnx/proto';
import type { CreatedSession, Float32Tensor, InferenceSession } from '../../runtime/session';
import type { ValidationBackend } from '../protocol';
import { jobRunner, type SessionPlace } from './job-runner';

// The fallback's logic, with sessions that only record what they were asked: a WebGPU kernel that
// fails at run time cannot be provoked in Node (there is no WebGPU there), and e2e/webgpu-training
// covers the real sessions.
function fakeOpener(webGpuFails: boolean) {
  const log: string[] = [];
  const open = async (_model: ModelProto, backend: ValidationBackend): Promise<CreatedSession> => {
    const session: InferenceSession = {
      backend, inputNames: ['x'], outputNames: ['y'],
      run: async (feeds: Record<string, Float32Tensor>) => {
        log.push(`${backend} run`);
        if (backend === 'webgpu' && webGpuFails) throw new Error('[WebGPU] Kernel "[Where] w" failed');
        return { y: { dims: [1], data: Float32Array.of(feeds.x!.data[0]! * 2) } };
      },
      release: async () => { log.push(`${backend} released`); },
    };
    return { session, backend };
  };
  return { open, log };
}

const model = { graph: { node: [], input: [], output: [], initializer: [] } } as unknown as ModelProto;
const x = { x: { dims: [1], data: Float32Array.of(3) } };

describe('jobRunner', () => {
  it('moves a graph whose WebGPU run fails to WASM, says why, and stays there', async () => {
    const { open, log } = fakeOpener(true);
    const places: SessionPlace[] = [];
    const opened = await jobRunner(1, 'webgpu', (p) => places.push(p), open)(model);
    expect((await opened.run(x)).y!.data[0]).toBe(6);
    expect((await opened.run(x)).y!.data[0]).toBe(6);
    await opened.release();
    expect(log).toEqual(['webgpu run', 'webgpu released', 'wasm run', 'wasm run', 'wasm released']);
    expect(places.map((p) => p.backend)).toEqual(['webgpu', 'wasm']);
    expect(places[1]!.fallbackReason).toContain('a WebGPU run failed ([WebGPU] Kernel "[Where] w" failed)');
  });

  it('runs on WebGPU while it works, and a WASM failure is the job\'s error', async () => {
    const ok = fakeOpener(false);
    const places: SessionPlace[] = [];
    const opened = await jobRunner(2, 'webgpu', (p) => places.push(p), ok.open)(model);
    await opened.run(x);
    expect(ok.log).toEqual(['webgpu run']);
    expect(places).toEqual([{ backend: 'webgpu' }]);

    const failing = async (_m: ModelProto, backend: ValidationBackend): Promise<CreatedSession> => ({
      backend,
      session: { backend, inputNames: [], outputNames: [], run: async () => { throw new Error('bad input'); }, release: async () => {} },
    });
    await expect((await jobRunner(3, 'wasm', undefined, failing)(model)).run(x)).rejects.toThrow('bad input');
  });

  it('leaves running out of GPU memory to the trainer (it halves the batch), on WebGPU', async () => {
    const oom = async (_m: ModelProto, backend: ValidationBackend): Promise<CreatedSession> => ({
      backend,
      session: { backend, inputNames: [], outputNames: [], run: async () => { throw new Error('WebGPU: out of memory allocating a buffer'); }, release: async () => {} },
    });
    const places: SessionPlace[] = [];
    await expect((await jobRunner(5, 'webgpu', (p) => places.push(p), oom)(model)).run(x)).rejects.toThrow('out of memory');
    expect(places).toEqual([{ backend: 'webgpu' }]);
  });

  it('does not retry a run that was cancelled', async () => {
    const { open, log } = fakeOpener(true);
    const opened = await jobRunner(4, 'webgpu', undefined, open)(model);
    await expect(opened.run(x, { signal: { aborted: true } })).rejects.toThrow('Kernel');
    expect(log).toEqual(['webgpu run']);
  });
});
