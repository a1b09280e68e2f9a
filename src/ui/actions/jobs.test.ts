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

  it('progress and results of a cancelled job are dropped: a late progress message cannot bring "running" back', () => {
    const jobs = createJobRegistry();
    const job = jobs.start('sensitivity');
    const shown: string[] = [];
    const onProgress = job.whileLive((message: string) => shown.push(message));
    onProgress('group 1 of 9');
    jobs.cancel('sensitivity');
    onProgress('group 2 of 9'); // was already posted by the worker when the cancel went out
    expect(shown).toEqual(['group 1 of 9']);
    expect(job.isLive()).toBe(false);
    expect(job.isCurrent()).toBe(true); // it still owns its panel, to say "Cancelled."
  });

  it('a superseded job drops its progress and no longer owns its panel', () => {
    const jobs = createJobRegistry();
    const first = jobs.start('validate');
    const late = first.whileLive(() => {
      throw new Error('must not run');
    });
    const second = jobs.start('validate');
    late();
    expect(first.isCurrent()).toBe(false);
    expect(second.isLive()).toBe(true);
  });

  it('jobs belong to the model open when they started: another model makes them stale, a load cancels them', () => {
    let model: object = { fileName: 'a.onnx' };
    const jobs = createJobRegistry(() => model);
    const sensitivity = jobs.start('sensitivity');
    const score = jobs.start('score');
    const results: string[] = [];
    const report = sensitivity.whileLive((r: string) => results.push(r));

    const load = jobs.start('load');
    expect(sensitivity.signal.aborted).toBe(true);
    expect(score.signal.aborted).toBe(true);
    expect(load.signal.aborted).toBe(false);
    report('curves of a.onnx');
    expect(results).toEqual([]);

    // Even a job nobody cancelled (started while the load ran) is stale once the model changes.
    const during = jobs.start('cost');
    model = { fileName: 'b.onnx' };
    expect(during.signal.aborted).toBe(false);
    expect(during.isCurrent()).toBe(false);
    expect(during.isLive()).toBe(false);
    expect(load.isCurrent()).toBe(true); // a load belongs to no model
    jobs.cancelModelJobs();
    expect(during.signal.aborted).toBe(true);
    expect(load.signal.aborted).toBe(false);

    const fresh = jobs.start('sensitivity');
    expect(fresh.isLive()).toBe(true);
  });
});
