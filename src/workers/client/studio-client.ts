// Page-side wrapper of the studio worker: typed methods, AbortSignal, progress, transfers.
import * as Comlink from 'comlink';
import type { ExternalDataFile, ModelSummary, ProgressCallback, StudioWorkerApi, WorkerResult } from '../protocol';
import type { StudioError } from './studio-error';
import { WorkerHandle } from './worker-handle';

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface ModelFiles {
  /** The .onnx bytes; transferred (detached on return). */
  bytes: ArrayBuffer;
  fileName: string;
  externalData?: ExternalDataFile[];
}

/** The studio worker as the page uses it. One instance per page. */
export class StudioClient {
  private nextJobId = 1;
  private readonly handle: WorkerHandle<StudioWorkerApi>;

  constructor(
    spawn: () => Worker = () => new Worker(new URL('../studio.worker.ts', import.meta.url), { type: 'module', name: 'studio' }),
    onCrash?: (err: StudioError) => void,
    /** WASM threads for the worker's sessions; undefined: runtime/wasm-threads.ts's default. */
    wasmThreads?: number,
  ) {
    // Comlink delivers calls in order, so the setting reaches each worker before its first session.
    this.handle = new WorkerHandle(spawn, onCrash, wasmThreads === undefined ? undefined : (api) => void api.setWasmThreads(wasmThreads));
  }

  /** Loads a model in the worker; resolves to its summary or rejects with StudioError. */
  loadModel(files: ModelFiles, options: CallOptions = {}): Promise<ModelSummary> {
    const jobId = this.nextJobId++;
    const transfer = [files.bytes, ...(files.externalData ?? []).map((f) => f.bytes)];
    const request = Comlink.transfer({ jobId, ...files }, transfer);
    const progress = options.onProgress ? Comlink.proxy(options.onProgress) : undefined;
    return this.handle.call(
      (api) => api.loadModel(request, progress),
      options.signal,
      () => void this.handle.api().cancel(jobId),
    );
  }

  /**
   * Runs any other studio call with a fresh job id: `signal` cancels it in the worker and
   * `transfer` lists buffers to move rather than copy. Used by the pruning panels' api.
   */
  call<T>(run: (api: Comlink.Remote<StudioWorkerApi>, jobId: number) => Promise<WorkerResult<T>>, signal?: AbortSignal): Promise<T> {
    const jobId = this.nextJobId++;
    return this.handle.call((api) => run(api, jobId), signal, () => void this.handle.api().cancel(jobId));
  }

  /** Stops the worker; the loaded model is lost. */
  dispose(): void {
    this.handle.terminate();
  }
}
