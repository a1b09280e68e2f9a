import { describe, expect, it, vi } from 'vitest';
import type { ModelSummary } from '../../workers/protocol';
import { loadPlan, persistPlans, planKey } from './plan-storage';
import { createStudioStore } from './store';

/** Storage with the Web Storage semantics the code relies on (Node has no localStorage). */
class MemoryStorage implements Storage {
  private map = new Map<string, string>();
  get length() { return this.map.size; }
  clear() { this.map.clear(); }
  getItem(key: string) { return this.map.get(key) ?? null; }
  key(index: number) { return [...this.map.keys()][index] ?? null; }
  removeItem(key: string) { this.map.delete(key); }
  setItem(key: string, value: string) { this.map.set(key, String(value)); }
}

const summary = (modelHash: string) => ({ modelHash, nodes: [], edges: [] }) as unknown as ModelSummary;

describe('plan persistence', () => {
  it('saves ratios per model hash and restores them when that model is opened again', () => {
    vi.useFakeTimers();
    const storage = new MemoryStorage();
    const store = createStudioStore();
    const stop = persistPlans(store, storage, 10);
    store.getState().loadSucceeded(summary('aaa'));
    store.getState().setRatio('group-1', 0.5);
    vi.advanceTimersByTime(20);
    expect(loadPlan(storage, 'aaa')).toEqual({ 'group-1': 0.5 });

    store.getState().loadSucceeded(summary('bbb'));
    expect(store.getState().ratios).toEqual({});
    store.getState().loadSucceeded(summary('aaa'));
    expect(store.getState().ratios).toEqual({ 'group-1': 0.5 });
    stop();
    vi.useRealTimers();
  });

  it('ignores corrupt or foreign entries', () => {
    const storage = new MemoryStorage();
    storage.setItem(planKey('x'), '{not json');
    expect(loadPlan(storage, 'x')).toBeUndefined();
    storage.setItem(planKey('y'), JSON.stringify({ version: 1, ratios: { a: 0.3, b: 7, c: 'no' } }));
    expect(loadPlan(storage, 'y')).toEqual({ a: 0.3 });
  });
});
