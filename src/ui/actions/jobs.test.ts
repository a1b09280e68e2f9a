import { describe, expect, it } from 'vitest';
import { createJobRegistry } from './jobs';

describe('job registry', () => {
  it('a new job cancels the previous one of its kind only', () => {
    const jobs = createJobRegistry();
    const first = jobs.start('score');
    const other = jobs.start('validate');
    const second = jobs.start('score');
    expect(first.signal.aborted).toBe(true);
    expect(first.isCurrent()).toBe(false);
    expect(second.signal.aborted).toBe(false);
    expect(second.isCurrent()).toBe(true);
    expect(other.signal.aborted).toBe(false);
  });

  it('cancel aborts the job in flight but leaves it current, so its owner can clear its progress', () => {
    const jobs = createJobRegistry();
    const job = jobs.start('export');
    jobs.cancel('export');
    jobs.cancel('sensitivity'); // none in flight: nothing happens
    expect(job.signal.aborted).toBe(true);
    expect(job.isCurrent()).toBe(true);
  });

  it('finish forgets only its own job: a later cancel does not reach a finished one, nor a newer one', () => {
    const jobs = createJobRegistry();
    const done = jobs.start('load');
    jobs.finish(done);
    expect(done.isCurrent()).toBe(false);
    jobs.cancel('load');
    expect(done.signal.aborted).toBe(false);

    const old = jobs.start('load');
    const newer = jobs.start('load');
    jobs.finish(old);
    expect(newer.isCurrent()).toBe(true);
  });
});
