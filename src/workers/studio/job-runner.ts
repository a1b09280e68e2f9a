// How the studio worker opens the models core asks it to run (core/score/runner.ts's ModelRunner):
// on WASM, or on WebGPU for training when the user chose it, with a cancel checkpoint before every
// model opened and every batch run. A WebGPU kernel that fails at run time (onnxruntime-web lacks a
// case its WASM kernels cover) moves that graph to WASM, so the job goes on and says why; running out
// of memory does not (the trainer halves the batch and stays on the GPU).
import { encodeModel } from '../../core/onnx/codec';
import type { ModelProto } from '../../core/onnx/proto';
import type { ModelRunner, OpenedModel } from '../../core/score/runner';
import { isOutOfMemory } from '../../core/train/trainer';
import { createSession, type CreatedSession } from '../../runtime/session';
import type { ValidationBackend } from '../protocol';
import { checkpointIfDue } from '../jobs';
import { workerWasmThreads } from './pruning-cache';

/** Where a session really runs, and why not where it was asked to. */
export type SessionPlace = Omit<CreatedSession, 'session'>;
type Opener = (model: ModelProto, backend: ValidationBackend) => Promise<CreatedSession>;

/** Opens `model` on `backend` with the worker's WASM threads (WebGPU falls back to WASM, with the reason). */
function openOn(model: ModelProto, backend: ValidationBackend): Promise<CreatedSession> {
  return createSession(encodeModel(model), { backend, threads: workerWasmThreads() });
}

/**
 * A runner for job `jobId` on `backend` (WASM unless asked): core loops (sensitivity steps, data
 * criteria, recovery, training) await only the runner, so its checkpoints are where the worker sees a
 * cancel mid-loop. `onOpened` hears where each session really runs: a WebGPU session that could not
 * be created, or whose run failed, runs on WASM, with the reason. `open` is for tests.
 */
export function jobRunner(jobId: number, backend: ValidationBackend = 'wasm', onOpened?: (place: SessionPlace) => void, open: Opener = openOn): ModelRunner {
  return async (model) => {
    await checkpointIfDue(jobId);
    const { session, ...place } = await open(model, backend);
    onOpened?.(place);
    let current: OpenedModel = session;
    let onWebGpu = place.backend === 'webgpu';
    return {
      inputNames: session.inputNames,
      outputNames: session.outputNames,
      run: async (feeds, opts) => {
        await checkpointIfDue(jobId);
        try {
          return await current.run(feeds, opts);
        } catch (err) {
          // Out of memory stays the trainer's to handle: a smaller batch keeps the graph on the GPU.
          if (!onWebGpu || opts?.signal?.aborted || isOutOfMemory(err)) throw err;
          onWebGpu = false;
          await current.release();
          const wasm = await open(model, 'wasm');
          current = wasm.session;
          onOpened?.({ backend: wasm.backend, fallbackReason: `a WebGPU run failed (${err instanceof Error ? err.message : String(err)})` });
          return current.run(feeds, opts);
        }
      },
      release: () => current.release(),
    };
  };
}
