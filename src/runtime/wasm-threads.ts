// How many threads onnxruntime-web's WASM backend gets, and why not more. Pure, so the studio
// worker (which describes its backend before the first session exists) and web-session.ts agree.
//
// Why the default leaves a core to the page: WASM threads are CPU-bound workers at the same OS
// priority as the page's main thread, and onnxruntime's global thread pool spins while it waits
// (its spin setting is not reachable from JavaScript). With as many compute threads as cores, the
// page's main-thread tasks, 14–28 ms of CPU each during validation, were descheduled for up to
// 244 ms of wall time on a 2-core machine (Chromium trace, docs/runtime.md). Thread start-up is
// not the cause: the pthread pool is created once per worker and sessions share it.

/** What the choice depends on; `threadEnvironment()` reads it from the running global scope. */
export interface ThreadEnvironment {
  node: boolean;
  crossOriginIsolated: boolean;
  /** navigator.hardwareConcurrency (logical cores). */
  cores: number;
}

/** Threads for WASM, with the reason when they are fewer than the cores would allow. */
export interface ThreadChoice {
  threads: number;
  reason?: string;
}

/** Never more WASM threads than this: onnxruntime-web's own default cap, beyond which small models gain nothing. */
export const MAX_WASM_THREADS = 4;

/** The environment of the running global scope (window, worker or Node). */
export function threadEnvironment(): ThreadEnvironment {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number }; process?: { versions?: { node?: string } } };
  return {
    node: typeof g.process?.versions?.node === 'string',
    crossOriginIsolated: g.crossOriginIsolated === true,
    cores: Math.max(1, g.navigator?.hardwareConcurrency ?? 1),
  };
}

/**
 * WASM threads: `requested` when given (≥ 1), else min(4, cores − 1) so the page keeps a core.
 * One thread where SharedArrayBuffer is unavailable (not cross-origin isolated) or in Node.
 */
export function chooseWasmThreads(requested: number | undefined, env: ThreadEnvironment): ThreadChoice {
  if (env.node) {
    return { threads: 1, ...(requested && requested > 1 ? { reason: 'onnxruntime-web runs single-threaded in Node.js; use backend "cpu-node" for threads' } : {}) };
  }
  if (!env.crossOriginIsolated) {
    return { threads: 1, reason: 'page is not cross-origin isolated (needs COOP/COEP headers), so WASM runs single-threaded' };
  }
  if (requested !== undefined) return { threads: Math.max(1, Math.floor(requested)) };
  const threads = Math.max(1, Math.min(MAX_WASM_THREADS, env.cores - 1));
  return threads === 1
    ? { threads, reason: `${env.cores} CPU core${env.cores === 1 ? '' : 's'}: WASM runs single-threaded so the page keeps a core (more threads made it stutter)` }
    : { threads };
}

/** `?threads=N` (an integer ≥ 1) of a page URL's search string: the studio worker's thread count (benchmarks, shared machines). */
export function threadsParam(search: string): number | undefined {
  const n = Number(new URLSearchParams(search).get('threads') ?? NaN);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}

/** "wasm · 2 threads", or the backend alone when the thread count is unknown (WebGPU, cpu-node). */
export function describeBackend(backend: string, threads: number | undefined): string {
  return threads === undefined ? backend : `${backend} · ${threads} thread${threads === 1 ? '' : 's'}`;
}
