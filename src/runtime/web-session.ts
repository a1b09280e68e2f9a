// InferenceSession over onnxruntime-web: WASM (SIMD, threads per wasm-threads.ts) or WebGPU,
// falling back to WASM with the reason recorded. Runs in windows, workers and (WASM only) Node.
import * as ort from 'onnxruntime-web';
import type { OrtTensorConstructor } from './ort-wrap.js';
import { explainCreateError, wrapOrtSession } from './ort-wrap.js';
import { isNode, type CreatedSession, type CreateSessionOptions } from './session.js';
import { chooseWasmThreads, threadEnvironment, type ThreadChoice } from './wasm-threads.js';

/** How the WASM backend was set up; onnxruntime-web reads ort.env once, at its first session. */
let wasmSetup: Promise<ThreadChoice> | undefined;

function setUpWasm(requested: number | undefined): Promise<ThreadChoice> {
  wasmSetup ??= (async () => {
    const setup = chooseWasmThreads(requested, threadEnvironment());
    ort.env.wasm.numThreads = setup.threads;
    if (!isNode()) {
      const { ortWasmPaths } = await import('./wasm-assets.js');
      ort.env.wasm.wasmPaths = ortWasmPaths;
    }
    return setup;
  })();
  return wasmSetup;
}

/** Why WebGPU cannot be used here, or undefined when an adapter is available. */
export async function webGpuUnavailable(): Promise<string | undefined> {
  const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
  if (isNode()) return 'WebGPU is not available in Node.js';
  if (!gpu) return 'this browser has no WebGPU (navigator.gpu is missing)';
  try {
    return (await gpu.requestAdapter()) ? undefined : 'navigator.gpu offered no adapter';
  } catch (err) {
    return `requesting a WebGPU adapter failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}

const Tensor = ort.Tensor as unknown as OrtTensorConstructor;

/** Creates an onnxruntime-web session on `wasm` or `webgpu` (falling back to wasm, with the reason). */
export async function createWebSession(
  modelBytes: Uint8Array,
  options: CreateSessionOptions & { backend: 'wasm' | 'webgpu' },
): Promise<CreatedSession> {
  const setup = await setUpWasm(options.threads);
  const base: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all' };
  let fallbackReason: string | undefined;
  if (options.backend === 'webgpu') {
    fallbackReason = await webGpuUnavailable();
    if (!fallbackReason) {
      try {
        const session = await ort.InferenceSession.create(modelBytes, { ...base, executionProviders: ['webgpu'] });
        return { session: wrapOrtSession(session, Tensor, 'webgpu'), backend: 'webgpu' };
      } catch (err) {
        fallbackReason = `WebGPU session failed (${err instanceof Error ? err.message : String(err)})`;
      }
    }
    fallbackReason += '; using WASM';
  }
  const threadReason =
    setup.reason ??
    (options.threads !== undefined && options.threads !== setup.threads
      ? `onnxruntime-web was already initialised with ${setup.threads} thread(s); the thread count is fixed per page`
      : undefined);
  // WASM gets 'extended', not 'all': the layout transformations 'all' adds break a graph output
  // that is an intermediate tensor of a fused Conv + Add (a ResNet shortcut's conv exposed by the
  // refits' captureTensors): onnxruntime-web's browser build then returns a non-tensor value ("Can't
  // access output tensor data … non-tensor typed value"). It is faster too in the worker, and scales
  // better on threads (ResNet-18 224²: docs/runtime.md, "Optimisation level").
  const session = await ort.InferenceSession.create(modelBytes, { ...base, graphOptimizationLevel: 'extended', executionProviders: ['wasm'] }).catch((err: unknown) => {
    throw explainCreateError(err);
  });
  const reasons = [fallbackReason, threadReason].filter((r): r is string => !!r);
  return {
    session: wrapOrtSession(session, Tensor, 'wasm'),
    backend: 'wasm',
    threads: setup.threads,
    ...(reasons.length ? { fallbackReason: reasons.join('; ') } : {}),
  };
}
