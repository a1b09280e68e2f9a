// Saves the plan per model (key = SHA-256 of the .onnx) in localStorage, and restores it when the
// same model is opened again. Storage failures (private mode, quota) only lose the convenience.
import type { StudioState } from './types';

const PREFIX = 'prune-studio:plan:';

/** The stored form; `version` lets later formats migrate or ignore old entries. */
interface StoredPlan {
  version: 1;
  savedAt: string;
  ratios: Record<string, number>;
}

/** localStorage key of a model's plan. */
export function planKey(modelHash: string): string {
  return `${PREFIX}${modelHash}`;
}

/** The saved ratios of a model, or undefined when none (or unreadable). */
export function loadPlan(storage: Storage, modelHash: string): Record<string, number> | undefined {
  try {
    const raw = storage.getItem(planKey(modelHash));
    if (!raw) return undefined;
    const parsed = JSON.parse(raw) as Partial<StoredPlan>;
    if (parsed.version !== 1 || typeof parsed.ratios !== 'object' || parsed.ratios === null) return undefined;
    return Object.fromEntries(Object.entries(parsed.ratios).filter(([, v]) => typeof v === 'number' && v >= 0 && v <= 1));
  } catch {
    return undefined;
  }
}

/** Saves (or, for an empty plan, removes) a model's ratios. */
export function savePlan(storage: Storage, modelHash: string, ratios: Record<string, number>): void {
  try {
    if (Object.keys(ratios).length === 0) storage.removeItem(planKey(modelHash));
    else storage.setItem(planKey(modelHash), JSON.stringify({ version: 1, savedAt: new Date().toISOString(), ratios } satisfies StoredPlan));
  } catch {
    // Quota or disabled storage: the plan just is not remembered.
  }
}

interface Subscribable {
  getState(): StudioState;
  subscribe(listener: (state: StudioState, previous: StudioState) => void): () => void;
}

/**
 * Keeps the plan in step with storage: restores it when a model (new hash) is loaded, saves it
 * (debounced) when the ratios change. Returns the unsubscribe function.
 */
export function persistPlans(store: Subscribable, storage: Storage, debounceMs = 300): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const unsubscribe = store.subscribe((state, previous) => {
    const hash = state.summary?.modelHash;
    if (hash && hash !== previous.summary?.modelHash) {
      clearTimeout(timer);
      state.replacePlan(loadPlan(storage, hash) ?? {});
      return;
    }
    if (hash && state.ratios !== previous.ratios) {
      clearTimeout(timer);
      timer = setTimeout(() => savePlan(storage, hash, store.getState().ratios), debounceMs);
    }
  });
  return () => {
    clearTimeout(timer);
    unsubscribe();
  };
}
