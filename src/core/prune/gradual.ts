// Gradual pruning with training between the steps (Molchanov et al. 2017 prune iteratively with
// fine-tuning; CPD distils while pruning): the cost target is reached in a few prune → recover
// rounds instead of one cut, each step scored on the model the previous step trained. The loop is
// the caller's (it owns scoring, recovery and images); here are the parts that are only arithmetic:
// the schedule and the composition of the steps' plans into one plan of the original model.
import type { PrunePlan } from './plan.js';

export interface GradualStep {
  /** Fraction of the ORIGINAL model's cost this step ends at. */
  keep: number;
  /** Training epochs after this step's cut. */
  epochs: number;
}

/**
 * `steps` cuts to keep `keep` of the cost, geometric (every step removes the same share of what is
 * left: keep^(k/steps)), and `epochs` split 1 : 2 : … : steps, so the final architecture trains
 * longest (on the demo CNNs 3 + 7 epochs beat 5 + 5; docs/training.md). Every step trains ≥ 1 epoch
 * when there are enough.
 */
export function gradualSchedule(steps: number, keep: number, epochs: number): GradualStep[] {
  if (!(Number.isInteger(steps) && steps >= 1)) throw new Error(`gradual pruning needs a whole number of steps ≥ 1, got ${steps}`);
  if (!(keep > 0 && keep < 1)) throw new Error(`the target must keep a fraction in (0, 1), got ${keep}`);
  const weights = Array.from({ length: steps }, (_, i) => i + 1);
  const total = weights.reduce((a, b) => a + b, 0);
  const share = weights.map((w) => Math.max(epochs >= steps ? 1 : 0, Math.round((epochs * w) / total)));
  // Rounding drift goes to the last step, which trains the final architecture.
  share[steps - 1] = Math.max(0, epochs - share.slice(0, -1).reduce((a, b) => a + b, 0));
  return weights.map((_, i) => ({ keep: i === steps - 1 ? keep : Math.pow(keep, (i + 1) / steps), epochs: share[i]! }));
}

/**
 * The plan of the original model that `second` (made on the model `first` produced) completes: a
 * group keeps first.keep[second.keep[i]]. Groups are matched by id (surgery keeps node names, so a
 * pruned model's groups keep their ids); a group one plan does not list keeps all its channels there.
 */
export function composePlans(first: PrunePlan, second: PrunePlan): PrunePlan {
  const groups: PrunePlan['groups'] = {};
  for (const id of new Set([...Object.keys(first.groups), ...Object.keys(second.groups)])) {
    const a = first.groups[id];
    const b = second.groups[id];
    if (a && b && b.channels !== a.keep.length) throw new Error(`group ${id}: the second plan sees ${b.channels} channels, the first kept ${a.keep.length}`);
    const channels = a?.channels ?? b!.channels;
    const keptByFirst = a?.keep ?? Array.from({ length: channels }, (_, i) => i);
    groups[id] = { channels, keep: b ? b.keep.map((i) => keptByFirst[i]!) : [...keptByFirst] };
  }
  return { ...first, criterion: second.criterion, groups };
}
