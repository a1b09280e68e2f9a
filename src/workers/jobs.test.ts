import { describe, expect, it } from 'vitest';
import { PruneIntegrityError } from '../core/prune/verify';
import { NonFiniteScoresError } from '../core/score/non-finite';
import { cancelJob, checkpointIfDue, jobAbortSignal, runJob, toErrorData, YIELD_EVERY_MS } from './jobs';

/** Busy CPU work for `ms` (a model run, an applyPlan): nothing else runs meanwhile. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* working */ }
}

describe('worker job cancellation', () => {
  it('the job signal aborts when the cancel is handled, also for a signal asked for after it', () => {
    const signal = jobAbortSignal(9001);
    expect(signal.aborted).toBe(false);
    cancelJob(9001);
    expect(signal.aborted).toBe(true);
    cancelJob(9002);
    expect(jobAbortSignal(9002).aborted).toBe(true);
  });

  it('a loop of short synchronous steps sees a cancel message within one step plus the yield interval', async () => {
    const jobId = 9003;
    const started = performance.now();
    let cancelledAt = 0;
    // The cancel arrives as a task (a message from the page), 30 ms into the job.
    setTimeout(() => {
      cancelledAt = performance.now();
      cancelJob(jobId);
    }, 30);
    const result = await runJob(jobId, async () => {
      for (let step = 0; step < 1000; step++) {
        await checkpointIfDue(jobId);
        spin(5);
        await Promise.resolve(); // a settled await (like a synchronous WASM run) yields no task turn
      }
      return 'finished';
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'aborted' } });
    expect(cancelledAt).toBeGreaterThan(started);
    expect(performance.now() - cancelledAt).toBeLessThan(YIELD_EVERY_MS + 5 + 100);
  });

  it('a job that is not cancelled runs to the end, and its id is forgotten afterwards', async () => {
    const jobId = 9004;
    const result = await runJob(jobId, async () => {
      for (let step = 0; step < 20; step++) {
        await checkpointIfDue(jobId);
        spin(5);
      }
      return jobAbortSignal(jobId);
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.aborted).toBe(false);
    expect(jobAbortSignal(jobId)).not.toBe(result.value); // a fresh one: the old controller was dropped
  });
});

describe('toErrorData for the engine’s refusals', () => {
  it('reports a broken pruned model and NaN scores as refusals, not as bugs', () => {
    const broken = toErrorData(new PruneIntegrityError([{ node: 'c2', opType: 'Conv', tensor: 'r', message: 'input "r" has 4 channels but weight "w" expects 8' }], ['c1']));
    expect(broken.code).toBe('refused');
    expect(broken.message).toContain('Conv node "c2"');
    expect(broken.message).toContain('"c1"');
    expect(toErrorData(new NonFiniteScoresError('l2', ['g'])).code).toBe('refused');
    expect(toErrorData(new Error('boom')).code).toBe('internal');
  });
});
