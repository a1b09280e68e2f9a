// The line the CLI rewrites while sensitivity runs: steps done, the step, and the time left.
import { formatDuration } from '../../core/format-duration.js';
import type { SensitivityProgress } from '../../core/score/sensitivity.js';

/** The CLI's name for core's duration format. */
export const formatSecondsLeft = formatDuration;

/** `\rsensitivity: 12/150 (group @ 30 %), ~4 min 10 s left`, padded to overwrite a longer line. */
export function sensitivityProgressLine(p: SensitivityProgress): string {
  const left = p.done < p.total ? `, ~${formatSecondsLeft(p.secondsLeft)} left` : '';
  return `\rsensitivity: ${p.done}/${p.total} (${p.group} @ ${Math.round(p.ratio * 100)} %)${left}`.padEnd(100);
}
