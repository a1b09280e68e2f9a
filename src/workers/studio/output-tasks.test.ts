import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runJob } from '../jobs';
import { loadModel } from './load-model';
import { requireLoadedModel } from './loaded-model';
import { setOutputTasks, taskOverridesOf } from './output-tasks';
import { cachedScores, storeScores } from './pruning-cache';

const read = (path: string): ArrayBuffer => {
  const b = readFileSync(path);
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
};

describe('output tasks of the loaded model', () => {
  it('detects each output of the two-task fixture, and overrides drop cached scores', async () => {
    const result = await runJob(1, () => loadModel({ jobId: 1, bytes: read('tools/fixtures/models/multi-task.onnx'), fileName: 'multi-task.onnx' }));
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.outputTasks).toEqual([
      { name: 'logits', kind: 'class', detected: 'class' },
      { name: 'reconstruction', kind: 'dense', detected: 'dense' },
    ]);
    const loaded = requireLoadedModel();
    storeScores(loaded, 'taylor', new Map([['g', new Float64Array([1])]]));
    const tasks = setOutputTasks({ logits: 'dense' });
    expect(tasks[0]).toEqual({ name: 'logits', kind: 'dense', detected: 'class' });
    expect(taskOverridesOf(loaded)).toEqual({ logits: 'dense' });
    expect(cachedScores(loaded, 'taylor')).toBeUndefined();
    expect(() => setOutputTasks({ nope: 'class' })).toThrow(/no output "nope"/);
  });
});
