import { describe, expect, it } from 'vitest';
import { COALESCE_MS, HISTORY_LIMIT } from './plan-slice';
import { createStudioStore } from './store';

describe('plan slice history', () => {
  it('keeps the recovery choice (shared by Validate and Export) out of the undo history', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    expect(s().recovery).toBe('none');
    s().setRatio('a', 0.3, 1000);
    s().setRecovery('lsq');
    expect(s().past).toHaveLength(1);
    s().undo();
    expect(s().ratios).toEqual({});
    expect(s().recovery).toBe('lsq');
  });

  it('undoes and redoes ratio changes, merging one slider drag into one step', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().setRatio('a', 0.1, 1000);
    s().setRatio('a', 0.2, 1100); // same drag
    s().setRatio('a', 0.3, 1200);
    s().setRatio('b', 0.5, 1300); // another group: new step
    s().setRatio('b', 0.6, 1300 + COALESCE_MS + 1); // after a pause: new step
    expect(s().ratios).toEqual({ a: 0.3, b: 0.6 });
    s().undo();
    expect(s().ratios).toEqual({ a: 0.3, b: 0.5 });
    s().undo();
    expect(s().ratios).toEqual({ a: 0.3 });
    s().undo();
    expect(s().ratios).toEqual({});
    s().undo(); // nothing left: no change
    expect(s().ratios).toEqual({});
    s().redo();
    s().redo();
    expect(s().ratios).toEqual({ a: 0.3, b: 0.5 });
    s().setRatio('c', 0.4, 9000); // a new edit drops the redo stack
    s().redo();
    expect(s().ratios).toEqual({ a: 0.3, b: 0.5, c: 0.4 });
    expect(s().future).toEqual([]);
  });

  it('records global changes as one step, clamps values and skips no-op changes', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().applyRatios({ a: 0.5, b: 1.7, c: -1 });
    expect(s().ratios).toEqual({ a: 0.5, b: 1, c: 0 });
    const depth = s().past.length;
    s().applyRatios({ a: 0.5, b: 1, c: 0 });
    expect(s().past.length).toBe(depth);
    s().undo();
    expect(s().ratios).toEqual({});
  });

  it('restoring a saved plan forgets the history; the history is bounded', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) s().applyRatios({ a: (i % 100) / 100 + 0.001 });
    expect(s().past.length).toBe(HISTORY_LIMIT);
    s().replacePlan({ z: 0.2 });
    expect(s().past).toEqual([]);
    s().undo();
    expect(s().ratios).toEqual({ z: 0.2 });
  });

  it('locks toggle and selecting a group centres the graph on its first member', () => {
    const store = createStudioStore();
    const s = () => store.getState();
    s().toggleLock('a');
    expect(s().locked).toEqual({ a: true });
    s().toggleLock('a');
    expect(s().locked).toEqual({});
    s().setGroups([{ id: 'g1', label: 'conv1', channels: 8, members: ['conv1', 'bn1'], prunable: true }]);
    s().selectGroup('g1');
    expect(s().selectedGroupId).toBe('g1');
    expect(s().centerRequest?.id).toBe('conv1');
    expect(s().selectedId).toBeUndefined();
  });
});
