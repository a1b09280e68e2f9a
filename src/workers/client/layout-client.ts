// Page-side wrapper of the layout worker. Layout is one synchronous dagre run, so cancelling means
// terminating the (stateless) worker and spawning a new one on the next call, as Squoosh does.
import type { LayoutRequest, LayoutResult, LayoutWorkerApi } from '../protocol';
import { WorkerHandle } from './worker-handle';

export class LayoutClient {
  private nextJobId = 1;
  private readonly handle = new WorkerHandle<LayoutWorkerApi>(
    () => new Worker(new URL('../layout.worker.ts', import.meta.url), { type: 'module', name: 'layout' }),
  );

  /** Computes a layout; aborting `signal` kills the run. */
  layout(request: Omit<LayoutRequest, 'jobId'>, signal?: AbortSignal): Promise<LayoutResult> {
    const jobId = this.nextJobId++;
    return this.handle.call((api) => api.layout({ ...request, jobId }), signal, () => this.handle.terminate());
  }

  dispose(): void {
    this.handle.terminate();
  }
}
