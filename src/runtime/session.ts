// One inference-session interface over onnxruntime-node (CLI, tests) and onnxruntime-web (browser,
// workers, and Node for tests). Tensors cross it as plain { dims, data } objects so they can be posted
// between workers and transferred without copying. The shapes are core's (core/score/runner.ts), so a
// session is a ModelRunner's OpenedModel as is.
import type { Float32Tensor } from '../core/float32-tensor.js';
import type { OpenedModel } from '../core/score/runner.js';

export type { Float32Tensor };

/** Where a session runs. `auto`: onnxruntime-node in Node, WebGPU (if an adapter exists) else WASM in a browser. */
export type BackendName = 'wasm' | 'webgpu' | 'cpu-node' | 'auto';

export interface RunOptions {
  /** Checked before and after the run: an aborted run rejects with an AbortError, the session stays usable. */
  signal?: AbortSignal;
}

/** A loaded model ready to run. Runs are queued: one at a time per session. */
export interface InferenceSession extends OpenedModel {
  /** The backend actually running the model ("cpu-node", "wasm" or "webgpu"). */
  readonly backend: string;
  run(feeds: Record<string, Float32Tensor>, opts?: RunOptions): Promise<Record<string, Float32Tensor>>;
}

export interface CreateSessionOptions {
  backend: BackendName;
  /** Intra-op threads. WASM: defaults to min(4, cores − 1) when cross-origin isolated, else 1 (wasm-threads.ts). */
  threads?: number;
}

export interface CreatedSession {
  session: InferenceSession;
  /** The backend actually used (never "auto"). */
  backend: Exclude<BackendName, 'auto'>;
  /** Why the requested backend (or thread count) was not used, when it was not. */
  fallbackReason?: string;
  /** Threads the backend runs with, when known. */
  threads?: number;
}

/** True when running under Node.js (tests, CLI), where onnxruntime-node is available. */
export function isNode(): boolean {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof proc?.versions?.node === 'string';
}

// Kept out of static imports so the browser bundle never pulls in the native onnxruntime-node.
const NODE_SESSION_MODULE = './node-session.js';

/**
 * Creates a session for `modelBytes` on the requested backend. `cpu-node` needs Node; `webgpu` falls
 * back to `wasm` (with the reason) when no adapter or the WebGPU EP fails; `auto` picks cpu-node in
 * Node and WebGPU-else-WASM in a browser.
 */
export async function createSession(modelBytes: Uint8Array, options: CreateSessionOptions): Promise<CreatedSession> {
  const backend = options.backend === 'auto' ? (isNode() ? 'cpu-node' : 'webgpu') : options.backend;
  if (backend === 'cpu-node') {
    if (!isNode()) throw new Error('backend "cpu-node" needs Node.js (onnxruntime-node); in a browser use "wasm", "webgpu" or "auto"');
    const mod = (await import(/* @vite-ignore */ NODE_SESSION_MODULE)) as typeof import('./node-session.js');
    return mod.createNodeSession(modelBytes, options);
  }
  const { createWebSession } = await import('./web-session.js');
  return createWebSession(modelBytes, { ...options, backend });
}
