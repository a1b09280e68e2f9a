// A Comlink remote that knows when its worker dies: pending calls reject instead of hanging,
// and the next call gets a fresh worker. Comlink alone never settles calls to a dead worker.
import * as Comlink from 'comlink';
import type { WorkerResult } from '../protocol';
import { abortedError, StudioError } from './studio-error';

/** Owns one worker at a time and tracks the calls in flight on it. */
export class WorkerHandle<Api> {
  private worker?: Worker;
  private remote?: Comlink.Remote<Api>;
  private readonly pending = new Set<(err: StudioError) => void>();

  constructor(
    private readonly spawn: () => Worker,
    private readonly onCrash?: (err: StudioError) => void,
    /** Runs on every new worker before any call (settings a respawned worker must get again). */
    private readonly onSpawn?: (remote: Comlink.Remote<Api>) => void,
  ) {}

  /** The live remote, spawning the worker on first use. */
  api(): Comlink.Remote<Api> {
    if (!this.remote) {
      const worker = this.spawn();
      worker.addEventListener('error', (event) => {
        event.preventDefault();
        const err = new StudioError('worker-crashed', `The background worker stopped: ${event.message || 'out of memory?'}`,
          'Reload the page. Very large models may need a desktop browser with more memory.');
        this.fail(err);
        this.onCrash?.(err);
      });
      this.worker = worker;
      this.remote = Comlink.wrap<Api>(worker);
      this.onSpawn?.(this.remote);
    }
    return this.remote;
  }

  /**
   * Runs one call. It settles with the result, or rejects with StudioError: the worker's error,
   * 'aborted' at once when `signal` fires (after `onAbort` ran), or 'worker-crashed'.
   */
  async call<T>(run: (api: Comlink.Remote<Api>) => Promise<WorkerResult<T>>, signal?: AbortSignal, onAbort?: () => void): Promise<T> {
    if (signal?.aborted) throw abortedError();
    const api = this.api();
    let rejectEarly!: (err: StudioError) => void;
    const early = new Promise<never>((_, reject) => (rejectEarly = reject));
    const abort = (): void => {
      onAbort?.();
      rejectEarly(abortedError());
    };
    this.pending.add(rejectEarly);
    signal?.addEventListener('abort', abort, { once: true });
    try {
      const result = await Promise.race([run(api), early]);
      if (!result.ok) throw StudioError.from(result.error);
      return result.value;
    } finally {
      this.pending.delete(rejectEarly);
      signal?.removeEventListener('abort', abort);
    }
  }

  /** Kills the worker (Squoosh style hard cancel); the next call starts a fresh one. */
  terminate(reason = abortedError()): void {
    this.fail(reason);
  }

  private fail(err: StudioError): void {
    for (const reject of this.pending) reject(err);
    this.pending.clear();
    this.remote?.[Comlink.releaseProxy]();
    this.worker?.terminate();
    this.worker = undefined;
    this.remote = undefined;
  }
}
