// The line the CLI rewrites while sensitivity runs: steps done, the step, and the time left.
import type { SensitivityProgress } from '../../core/score/sensitivity.js';

/** "1 h 05 min", "3 min 20 s", "42 s". */
export function formatSecondsLeft(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${s} s`;
}

/** `\rsensitivity: 12/150 (group @ 30 %), ~4 min 10 s left`, padded to overwrite a longer line. */
export function sensitivityProgressLine(p: SensitivityProgress): string {
  const left = p.done < p.total ? `, ~${formatSecondsLeft(p.secondsLeft)} left` : '';
  return `\rsensitivity: ${p.done}/${p.total} (${p.group} @ ${Math.round(p.ratio * 100)} %)${left}`.padEnd(100);
}
