// Learning-rate schedules: the rate of each step of a run of `total` steps. One entry per schedule
// in SCHEDULES, read by the CLI and the studio.

export type ScheduleId = 'one-cycle' | 'cosine' | 'constant';

export interface ScheduleInfo {
  id: ScheduleId;
  description: string;
  /** Learning rate at step `t` (0-based) of `total`, peaking at `maxLr`. */
  rate(t: number, total: number, maxLr: number): number;
}

const cosineBetween = (from: number, to: number, frac: number) => to + ((from - to) * (1 + Math.cos(Math.PI * Math.min(1, Math.max(0, frac))))) / 2;

/**
 * torch.optim.lr_scheduler.OneCycleLR with its defaults (cosine annealing, 30 % warm-up, initial
 * rate maxLr/25, final maxLr/25e4): the schedule the PyTorch anchor of docs/training.md uses.
 */
function oneCycle(t: number, total: number, maxLr: number): number {
  const initial = maxLr / 25;
  const final = initial / 1e4;
  const up = Math.max(1, 0.3 * total - 1);
  const down = Math.max(1, total - 1 - up);
  return t <= up ? cosineBetween(initial, maxLr, t / up) : cosineBetween(maxLr, final, (t - up) / down);
}

/** Cosine decay to 0 after a warm-up of 5 % of the steps. */
function cosine(t: number, total: number, maxLr: number): number {
  const warm = Math.floor(0.05 * total);
  if (t < warm) return (maxLr * (t + 1)) / warm;
  return cosineBetween(maxLr, 0, (t - warm) / Math.max(1, total - warm));
}

export const SCHEDULES: readonly ScheduleInfo[] = [
  { id: 'one-cycle', description: 'warm up to the rate over 30 % of the steps, then cosine down (OneCycleLR)', rate: oneCycle },
  { id: 'cosine', description: 'short linear warm-up, then cosine down to 0', rate: cosine },
  { id: 'constant', description: 'the same rate every step', rate: (_t, _n, lr) => lr },
];

export const SCHEDULE_IDS: readonly ScheduleId[] = SCHEDULES.map((s) => s.id);

export function scheduleInfo(id: string): ScheduleInfo {
  const s = SCHEDULES.find((x) => x.id === id);
  if (!s) throw new Error(`unknown learning-rate schedule "${id}"; choose one of: ${SCHEDULE_IDS.join(', ')}`);
  return s;
}
