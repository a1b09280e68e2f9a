import { describe, expect, it } from 'vitest';
import { formatSecondsLeft, sensitivityProgressLine } from './sensitivity-progress.js';

describe('sensitivity progress line', () => {
  it('formats the time left', () => {
    expect(formatSecondsLeft(42.4)).toBe('42 s');
    expect(formatSecondsLeft(200)).toBe('3 min 20 s');
    expect(formatSecondsLeft(3900)).toBe('1 h 05 min');
    expect(formatSecondsLeft(-1)).toBe('0 s');
  });

  it('keeps steps, group and ratio and adds the time left until the last step', () => {
    expect(sensitivityProgressLine({ done: 3, total: 10, group: '/c2/Conv', ratio: 0.3, secondsLeft: 70 })).toMatch(/^\rsensitivity: 3\/10 \(\/c2\/Conv @ 30 %\), ~1 min 10 s left\s*$/);
    expect(sensitivityProgressLine({ done: 10, total: 10, group: 'g', ratio: 0.9, secondsLeft: 0 }).trimEnd()).toBe('\rsensitivity: 10/10 (g @ 90 %)');
  });
});
