// What a running GDP training looks like from outside, as small numbers: the gate histogram
// (gates.ts's gateHistogram: it turns bimodal as the gates polarise) and, per group, the channels a
// removal now would keep (gates at ½ or above; at least one per group, the highest, as a plan keeps).
// The studio's live view (workers/studio/gates.ts) sends this; pure, no tensors of the model.
import { gateHistogram, type GateHistogram } from './gates.js';

/** Gate value at or above which a channel counts as kept while training (the polarizer's own cut). */
export const KEEP_THRESHOLD = 0.5;

export interface LiveGates {
  histogram: GateHistogram;
  /** Group id → kept channel indices, ascending. */
  kept: Record<string, number[]>;
  /** Gates kept and in all, over every gated group. */
  keptChannels: number;
  totalChannels: number;
}

/** Kept channels of one group's gates: those ≥ KEEP_THRESHOLD, or the highest gate alone when none is. */
export function keptOf(gates: ArrayLike<number>): number[] {
  const kept: number[] = [];
  let top = 0;
  for (let c = 0; c < gates.length; c++) {
    if (gates[c]! >= KEEP_THRESHOLD) kept.push(c);
    if (gates[c]! > gates[top]!) top = c;
  }
  return kept.length || !gates.length ? kept : [top];
}

/** The histogram and kept channels of the current gates (group id → gate values in [0, 1]). */
export function liveGates(gates: ReadonlyMap<string, ArrayLike<number>>, bins = 20): LiveGates {
  const kept: Record<string, number[]> = {};
  let keptChannels = 0;
  let totalChannels = 0;
  for (const [id, values] of gates) {
    kept[id] = keptOf(values);
    keptChannels += kept[id].length;
    totalChannels += values.length;
  }
  const histogram = gateHistogram(new Map([...gates].map(([id, v]) => [id, Float32Array.from(v)])), bins);
  return { histogram, kept, keptChannels, totalChannels };
}
