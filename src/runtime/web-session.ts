// InferenceSession over onnxruntime-web: WASM (SIMD, threads when cross-origin isolated) or WebGPU,
// falling back to WASM with the reason recorded. Runs in windows, workers and (WASM only) Node.
import * as ort from 'onnxruntime-web';
import type { OrtTensorConstructor } from './ort-wrap.js';
import { wrapOrtSession } from './ort-wrap.js';
import { isNode, type CreatedSession, type CreateSessionOptions } from './session.js';

/** How the WASM backend was set up; onnxruntime-web reads ort.env once, at its first session. */
interface WasmSetup {
  threads: number;
  /** Why fewer threads than requested/possible, if so. */
  reason?: string;
}
let wasmSetup: Promise<WasmSetup> | undefined;

/** Threads to use: min(4, cores) when SharedArrayBuffer is allowed (cross-origin isolated), else 1. */
function chooseThreads(requested: number | undefined): WasmSetup {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  if (isNode()) {
    return { threads: 1, reason: requested && requested > 1 ? 'onnxruntime-web runs single-threaded in Node.js; use backend "cpu-node" for threads' : undefined };
  }
  if (!g.crossOriginIsolated) {
    return { threads: 1, reason: 'page is not cross-origin isolated (needs COOP/COEP headers), so WASM runs single-threaded' };
  }
  const cores = g.navigator?.hardwareConcurrency ?? 1;
  return { threads: Math.max(1, requested ?? Math.min(4, cores)) };
}

function setUpWasm(requested: number | undefined): Promise<WasmSetup> {
  wasmSetup ??= (async () => {
    const setup = chooseThreads(requested);
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
async function webGpuUnavailable(): Promise<string | undefined> {
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
  const session = await ort.InferenceSession.create(modelBytes, { ...base, executionProviders: ['wasm'] });
  const reasons = [fallbackReason, threadReason].filter((r): r is string => !!r);
  return {
    session: wrapOrtSession(session, Tensor, 'wasm'),
    backend: 'wasm',
    threads: setup.threads,
    ...(reasons.length ? { fallbackReason: reasons.join('; ') } : {}),
  };
}
