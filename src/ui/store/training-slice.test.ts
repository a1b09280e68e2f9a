import { describe, expect, it } from 'vitest';
import { createStudioStore } from './store';

const start = { kind: 'start', epochs: 3, images: 512, backend: 'WASM' } as const;

describe('training slice', () => {
  it('feeds the curve of the job that trains and ignores other jobs', () => {
    const store = createStudioStore();
    store.getState().trainingJobStarted('validate', 7, 'plan-a');
    store.getState().trainingEvent(7, start);
    store.getState().trainingEvent(7, { kind: 'step', step: 1, total: 24, loss: 0.5 });
    store.getState().trainingEvent(8, { kind: 'step', step: 2, total: 24, loss: 0.4 });
    expect(store.getState().trainingRun?.curve?.steps).toEqual([0.5]);
  });

  it('a job for the same plan and settings keeps the curve and the stop it records; another plan starts clean', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().trainingJobStarted('validate', 1, 'plan-a');
    s().trainingEvent(1, start);
    s().trainingEvent(1, { kind: 'epoch', epoch: 0, heldOutLoss: 1, best: true, seconds: 0 });
    s().trainingStopRequested(1);
    s().trainingJobEnded(1);
    // Export reuses the stopped model (the worker's cache sends no start): the curve and the note stay.
    s().trainingJobStarted('export', 2, 'plan-a');
    expect(s().trainingRun).toMatchObject({ kind: 'export', jobId: 2, running: true, stopRequested: true });
    expect(s().trainingRun?.curve?.epochPoints).toHaveLength(1);
    // If it trains again after all, the new run is not a stopped one.
    s().trainingEvent(2, start);
    expect(s().trainingRun).toMatchObject({ stopRequested: false });
    expect(s().trainingRun?.curve?.epochPoints).toEqual([]);
    s().trainingJobStarted('validate', 3, 'plan-b');
    expect(s().trainingRun?.curve).toBeUndefined();
  });

  it('pause requested until the worker says it holds; the user’s images count once per file', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().trainingJobStarted('validate', 4, 'k');
    s().trainingEvent(4, start);
    s().trainingPauseRequested(4);
    expect(s().trainingRun?.pauseRequested).toBe(true);
    s().trainingEvent(4, { kind: 'paused', step: 3 });
    expect(s().trainingRun).toMatchObject({ pauseRequested: false, curve: { paused: true } });
    const blob = new Blob([new Uint8Array(10)]);
    s().addTrainingImages([{ name: 'a.png', blob }, { name: 'b.png', blob }]);
    s().addTrainingImages([{ name: 'a.png', blob }]);
    expect(s().extraTrainingImages.map((i) => i.name)).toEqual(['a.png', 'b.png']);
  });
});
