// GDP's polarisation, as a term of the training loop (trainer.ts's TrainTerm) on the gate
// parameters θ (one per channel; the gate is g = θ²/(θ²+ε), gates-graph.ts):
//
// - The regulariser R = λ · Σ_c w_c · (g_c − p·|g_c − ḡ|) (GDP's polarisation, ḡ the group's mean
//   gate), w_c = the MACs channel c carries (its marginal MACs in the current pruned state, counted
//   by plan-costing) divided by the channel's importance (Taylor, mean 1 per group), over the mean
//   of those, so the budget is honoured where the MACs are and the cheapest importance goes first.
//   ∂R/∂θ_c = λ · ∂R/∂g_c · 2θ_c·ε / (θ_c² + ε)²: the pull is strongest at
//   |θ| ≈ √ε and vanishes both at 0 and far from it, so gates split into those pulled to 0 and those
//   that stay open — GDP's polarisation. ε anneals geometrically (GDP decays it) so the zero basin
//   narrows and the open gates approach 1; since the model is trained from its pretrained state with
//   frozen BatchNorm statistics, each change of ε is absorbed into the weights the gates feed
//   (W ← W · g(θ, ε_old)/g(θ, ε_new), exact), so annealing never changes the function.
//   ε stays at epsilonStart while the MACs ramp down, then anneals until the budget is forced.
// - Exact zeros: a gate whose θ crosses 0 in a step, or whose value falls below `snap`, is set to
//   θ = 0 exactly and stays there (g'(0) = 0, so no gradient reopens it; momentum drift is undone
//   every step) — as long as the gates already at 0 do not yet meet the scheduled MACs (one channel
//   past it at most), so channels go gradually and never much beyond the target.
// - λ is adjusted every step so the MACs the gates keep (counting gates below ½ as removed) follow a
//   schedule that ramps from the full model to the target over `ramp` of the steps: multiplied by
//   exp(κ·e), e the relative gap, clamped to ±1 — channels go gradually, the least important per MAC
//   first, while distillation adapts the rest.
// - At `hardAt` of the steps the budget is forced: the gates at 0, then the lowest gates until the
//   target is met (within one channel), are set to 0; λ stops; the rest train on as scales.
//   Parameters are admissible as the best checkpoint once the gates at exactly 0 meet the target.
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import type { ModelProto } from '../onnx/proto.js';
import { planModelInfo, PLAN_FORMAT, PLAN_VERSION, repairPieces, type PrunePlan } from '../prune/plan.js';
import type { PlanCosting } from '../prune/plan-costing.js';
import { gateValue, type GateGroup, type GateSite } from './gates-graph.js';
import type { TrainTerm } from './trainer.js';

export interface PolarizeSettings {
  /** Fraction of the model's MACs to keep, in (0, 1). */
  keep: number;
  /** ε of the gate function at the start and at the end of its annealing. */
  epsilonStart: number;
  epsilonEnd: number;
  /** Share of the steps over which the MACs schedule ramps down to the target. */
  ramp: number;
  /** Share of the steps after which the budget is forced. */
  hardAt: number;
  /** Every gate's value at the start (θ starts at √(ε·g/(1−g)), where the gate still responds; the weights are compensated). */
  gate0: number;
  /** λ at the start. */
  lambda0: number;
  /** Learning rate of the gate parameters at ε = epsilonStart (constant: not the weights' schedule; scaled by ε/epsilonStart as ε anneals). */
  gateLr: number;
  /** Gates below this value are set to exactly 0 (before the budget is met). */
  snap: number;
  /**
   * GDP's polarisation strength p: R = λ·Σ_c w_c·(g_c − p·|g_c − ḡ|), ḡ the mean gate of the channel's
   * group (GDP's t‖g‖₁ − ‖g − ḡ‖₁ with t = 1/p). 0 is a plain cost-weighted ℓ1; with p = 1 the gates
   * above their group's mean feel (almost) no pull and those below it twice the pull, so a group
   * splits instead of shrinking as a whole.
   */
  polarization: number;
  /**
   * Channel importance in the weights: w_c = (MACs of c / mean) / (importance_c + importanceFloor),
   * importance the channel's Taylor score normalised to mean 1 in its group (computed on the images
   * before training, gates.ts), so the pull is the cost per unit of importance: the unimportant,
   * expensive channels close first even while the distillation gradient is still 0 (the student
   * starts equal to the teacher). Infinity ignores importance (MACs only).
   */
  importanceFloor: number;
  /**
   * The MACs enter the weights as cost^costPower: 1 weighs a channel by all it carries (the budget is
   * met where the MACs are), 0 by importance alone (the one-shot global ranking's choice), between
   * them a channel read by many layers (a residual stream) is not closed just for being expensive.
   */
  costPower: number;
}

export const DEFAULT_POLARIZE_SETTINGS: Readonly<Omit<PolarizeSettings, 'keep'>> = {
  epsilonStart: 1e-2, epsilonEnd: 1e-4, ramp: 0.6, gate0: 0.9, hardAt: 0.8, lambda0: 0.1, gateLr: 0.01, snap: 1e-3, polarization: 0.5, importanceFloor: 0.05, costPower: 1,
};

/** Per group: the removed channels. */
export type Removed = Map<string, Set<number>>;

/** The plan that removes `removed` (Split/Slice pieces keep one channel; criterion "gates"). */
export function planRemoving(model: ModelProto, analysis: ChannelAnalysis, removed: Removed): PrunePlan {
  const keepBy = new Map<string, number[]>();
  for (const g of analysis.groups) {
    const gone = removed.get(g.id);
    if (!gone?.size) continue;
    keepBy.set(g.id, Array.from({ length: g.channels }, (_, c) => c).filter((c) => !gone.has(c)));
  }
  repairPieces(analysis, keepBy);
  const groups: PrunePlan['groups'] = {};
  for (const g of analysis.groups) {
    const keep = keepBy.get(g.id);
    if (keep && keep.length < g.channels) groups[g.id] = { channels: g.channels, keep };
  }
  return { format: PLAN_FORMAT, version: PLAN_VERSION, model: planModelInfo(model), criterion: 'gates', groups };
}

/** ε: epsilonStart while the MACs ramp down, then geometrically to epsilonEnd by the time the budget is forced. */
export function annealedEpsilon(s: Pick<PolarizeSettings, 'epsilonStart' | 'epsilonEnd' | 'ramp' | 'hardAt'>, step: number, total: number): number {
  const t = Math.min(1, Math.max(0, (step - s.ramp * total) / Math.max(1, (s.hardAt - s.ramp) * total)));
  return s.epsilonStart * (s.epsilonEnd / s.epsilonStart) ** t;
}

/**
 * R = λ·Σ_c w_c·(g_c − p·|g_c − ḡ|) over one group's θ (ḡ its mean gate) and its gradient ∂R/∂θ added
 * into `grad`; returns R. ∂R/∂g_c = w_c·(1 − p·s_c) + (p/n)·Σ_k w_k·s_k, s = sign(g − ḡ).
 */
export function polarizationTerm(theta: Float32Array, weights: ArrayLike<number>, lambda: number, epsilon: number, grad?: Float32Array, polarization = 0): number {
  const n = theta.length;
  const g = Float64Array.from(theta, (t) => gateValue(t, epsilon));
  const mean = g.reduce((a, v) => a + v, 0) / Math.max(1, n);
  let r = 0;
  let spread = 0;
  for (let c = 0; c < n; c++) {
    const d = g[c]! - mean;
    r += weights[c]! * (g[c]! - polarization * Math.abs(d));
    spread += weights[c]! * Math.sign(d);
  }
  if (grad) {
    for (let c = 0; c < n; c++) {
      const t = theta[c]!;
      const d = t * t + epsilon;
      const dR = weights[c]! * (1 - polarization * Math.sign(g[c]! - mean)) + (polarization / n) * spread;
      grad[c] = grad[c]! + (lambda * dR * 2 * t * epsilon) / (d * d);
    }
  }
  return lambda * r;
}

/** The lowest gates removed, after `fixed`, until the MACs meet `goal`: the fewest such removals (bisection; costs fall with each). */
export function selectForBudget(model: ModelProto, analysis: ChannelAnalysis, costing: PlanCosting, groups: readonly GateGroup[], gates: ReadonlyMap<string, Float32Array>, fixed: Removed, goal: number): { removed: Removed; macs: number; met: boolean } {
  const order: { id: string; c: number; g: number }[] = [];
  for (const grp of groups) gates.get(grp.id)!.forEach((g, c) => { if (!fixed.get(grp.id)?.has(c)) order.push({ id: grp.id, c, g }); });
  order.sort((a, b) => a.g - b.g || a.id.localeCompare(b.id) || a.c - b.c);
  const channels = new Map(groups.map((g) => [g.id, g.channels]));
  const removedAt = (k: number): Removed => {
    const r: Removed = new Map([...fixed].map(([id, s]) => [id, new Set(s)]));
    let taken = 0;
    for (const o of order) {
      if (taken >= k) break;
      const set = r.get(o.id) ?? new Set<number>();
      if (set.size + 1 >= channels.get(o.id)!) continue; // every group keeps a channel
      set.add(o.c);
      r.set(o.id, set);
      taken++;
    }
    return r;
  };
  const macsAt = (k: number) => costing.of(planRemoving(model, analysis, removedAt(k))).macs;
  let lo = 0;
  let hi = order.length;
  if (macsAt(hi) <= goal) {
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (macsAt(mid) <= goal) hi = mid;
      else lo = mid + 1;
    }
  }
  const macs = macsAt(hi);
  return { removed: removedAt(hi), macs, met: macs <= goal };
}

/** What the polarizer exposes besides the TrainTerm: the current ε, λ and the gate state. */
export interface Polarizer extends TrainTerm {
  readonly epsilon: number;
  readonly lambda: number;
  readonly forced: boolean;
  /** Gate values just before the budget was forced (undefined until then). */
  readonly beforeForcing?: Map<string, Float32Array>;
  /** Channels held at exactly 0, by group. */
  readonly dead: Removed;
  /** MACs of the model without the channels at exactly 0. */
  deadMacs(): number;
  /** Gate values of `values` (θ by parameter name) at the current ε, by group id. */
  gates(values: ReadonlyMap<string, Float32Array>): Map<string, Float32Array>;
}

export interface PolarizerJob {
  model: ModelProto;
  analysis: ChannelAnalysis;
  costing: PlanCosting;
  groups: readonly GateGroup[];
  settings: PolarizeSettings;
  /** Peak learning rate of the weights, and the rate of step t of `total` (θ's gradients are scaled by gateLr / that). */
  lr: number;
  rate: (step: number, total: number) => number;
  /** Where the gates are read (to absorb ε's annealing into the weights) and the dims of those weights. */
  sites: readonly GateSite[];
  weightDims: ReadonlyMap<string, readonly number[]>;
  /** Per group id: each channel's importance, mean 1 in its group (absent: MACs only). */
  importance?: ReadonlyMap<string, ArrayLike<number>>;
}

/** Multiplies the slices of a flat weight along `axis` by per-position factors. */
function scaleSlices(w: Float32Array, dims: readonly number[], axis: number, factors: ArrayLike<number>): void {
  const inner = dims.slice(axis + 1).reduce((a, d) => a * d, 1);
  const len = dims[axis]!;
  for (let i = 0; i < w.length; i++) w[i] = w[i]! * factors[Math.floor(i / inner) % len]!;
}

/** GDP's term for the training loop; see the file comment. */
export function createPolarizer(job: PolarizerJob): Polarizer {
  const { model, analysis, costing, groups, settings: s } = job;
  const base = costing.base.macs;
  const goal = base * s.keep;
  const dead: Removed = new Map(groups.map((g) => [g.id, new Set<number>()]));
  const macsWithout = (removed: Removed) => costing.of(planRemoving(model, analysis, removed)).macs;
  let deadMacs = base;
  let lambda = s.lambda0;
  let epsilon = s.epsilonStart;
  let forced = false;
  let beforeForcing: Map<string, Float32Array> | undefined;
  let weights = new Map<string, Float64Array>();
  let costs = new Map<string, number>();
  let refreshedAt = -Infinity;
  const previous = new Map<string, Float32Array>();
  const hardMacs = (values: ReadonlyMap<string, Float32Array>) => {
    const state: Removed = new Map(groups.map((g) => {
      const set = new Set(dead.get(g.id));
      values.get(g.theta)!.forEach((t, c) => { if (gateValue(t, epsilon) < 0.5 && set.size + 1 < g.channels) set.add(c); });
      return [g.id, set];
    }));
    return macsWithout(state);
  };
  /** ε → next, with the open gates' change absorbed into the weights they feed. */
  const anneal = (values: ReadonlyMap<string, Float32Array>, next: number) => {
    if (next === epsilon) return;
    const ratio = new Map(groups.map((g) => [g.id, Float64Array.from(values.get(g.theta)!, (t) => (t === 0 ? 1 : gateValue(t, epsilon) / gateValue(t, next)))]));
    for (const site of job.sites) {
      const factors = site.positions.map((p) => (p ? ratio.get(groups[p[0]]!.id)![p[1]]! : 1));
      for (const c of site.consumers) scaleSlices(values.get(c.weight)!, job.weightDims.get(c.weight)!, c.axis, factors);
    }
    epsilon = next;
  };

  const gatesOf = (values: ReadonlyMap<string, Float32Array>) => new Map(groups.map((g) => [g.id, Float32Array.from(values.get(g.theta)!, (t) => gateValue(t, epsilon))]));
  /** Marginal MACs of one more channel of each group, in the state "gates below ½ removed". */
  const refresh = (values: ReadonlyMap<string, Float32Array>) => {
    const gates = gatesOf(values);
    const state: Removed = new Map(groups.map((g) => [g.id, new Set([...gates.get(g.id)!].flatMap((v, c) => (v < 0.5 ? [c] : [])))]));
    for (const g of groups) if (state.get(g.id)!.size >= g.channels) state.get(g.id)!.delete(0);
    const now = macsWithout(state);
    costs = new Map(groups.map((g) => {
      const set = state.get(g.id)!;
      const next = [...Array(g.channels).keys()].find((c) => !set.has(c));
      if (next === undefined || set.size + 1 >= g.channels) return [g.id, 0];
      const more = new Map(state);
      more.set(g.id, new Set([...set, next]));
      return [g.id, Math.max(0, now - macsWithout(more))];
    }));
    const raw = new Map(groups.map((g) => {
      const imp = job.importance?.get(g.id);
      const floor = s.importanceFloor;
      return [g.id, Float64Array.from({ length: g.channels }, (_, c) => costs.get(g.id)! ** s.costPower / (imp && Number.isFinite(floor) ? Math.max(0, imp[c]!) + floor : 1))];
    }));
    const all = [...raw.values()].flatMap((w) => [...w]);
    const mean = all.reduce((a, v) => a + v, 0) / Math.max(1, all.length) || 1;
    weights = new Map([...raw].map(([id, w]) => [id, w.map((v) => v / mean)]));
  };
  let aim = 1;
  const kill = (values: ReadonlyMap<string, Float32Array>, candidates: { id: string; c: number; g: number }[]) => {
    candidates.sort((a, b) => a.g - b.g);
    for (const k of candidates) {
      if (deadMacs <= Math.max(goal, aim * base)) break;
      const grp = groups.find((g) => g.id === k.id)!;
      const set = dead.get(k.id)!;
      if (set.size + 1 >= grp.channels) continue;
      set.add(k.c);
      deadMacs = macsWithout(dead);
    }
    for (const g of groups) {
      const theta = values.get(g.theta)!;
      for (const c of dead.get(g.id)!) theta[c] = 0;
    }
  };

  return {
    get epsilon() { return epsilon; },
    get lambda() { return lambda; },
    get forced() { return forced; },
    get beforeForcing() { return beforeForcing; },
    dead,
    deadMacs: () => deadMacs,
    gates: gatesOf,
    gradient(values, grads, step, total) {
      // θ's steps shrink with √ε… and its gradient grows with 1/√ε near the basin: scaled by ε/ε₀, a
      // step moves u = θ/√ε (what g depends on, g = u²/(u²+1)) by the same amount at every ε.
      // The gates keep their own constant rate (the weights' schedule warms up too slowly for a short run).
      const scale = (s.gateLr / Math.max(job.rate(step, total), job.lr * 1e-4)) * (epsilon / s.epsilonStart);
      for (const g of groups) {
        const grad = grads.get(g.theta)!;
        for (let c = 0; c < grad.length; c++) grad[c] = grad[c]! * scale;
        previous.set(g.theta, values.get(g.theta)!.slice());
      }
      if (forced) return 0;
      if (step - refreshedAt >= Math.max(1, Math.floor(total / 20))) {
        refresh(values);
        refreshedAt = step;
      }
      aim = 1 - (1 - s.keep) * Math.min(1, step / Math.max(1, s.ramp * total));
      const gap = Math.max(-1, Math.min(1, (hardMacs(values) / base - aim) / s.keep));
      lambda *= Math.exp(0.5 * gap);
      let r = 0;
      for (const g of groups) {
        const extra = new Float32Array(g.channels);
        r += polarizationTerm(values.get(g.theta)!, weights.get(g.id)!, lambda, epsilon, extra, s.polarization);
        const grad = grads.get(g.theta)!;
        for (let c = 0; c < grad.length; c++) grad[c] = grad[c]! + extra[c]! * scale;
      }
      return r;
    },
    afterStep(values, step, total) {
      anneal(values, annealedEpsilon(s, step, total));
      if (!forced && step >= s.hardAt * total) {
        forced = true;
        beforeForcing = gatesOf(values);
        const chosen = selectForBudget(model, analysis, costing, groups, beforeForcing, dead, goal);
        for (const [id, set] of chosen.removed) dead.set(id, set);
        deadMacs = chosen.macs;
        lambda = 0;
      }
      const candidates: { id: string; c: number; g: number }[] = [];
      if (!forced) {
        for (const g of groups) {
          const theta = values.get(g.theta)!;
          const before = previous.get(g.theta);
          const set = dead.get(g.id)!;
          theta.forEach((t, c) => {
            if (set.has(c)) return;
            const value = gateValue(t, epsilon);
            if (value < s.snap || (before && before[c]! * t < 0)) candidates.push({ id: g.id, c, g: value });
          });
        }
      }
      kill(values, candidates);
    },
    admissible: () => deadMacs <= goal,
  };
}
