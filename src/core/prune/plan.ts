// The pruning plan: which channels of which group to keep (version 1), and, from version 2, the
// low rank and sparsity applied after pruning and recovery. See docs/plan-format.md.
import type { ModelProto } from '../onnx/proto.js';
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import { parsePattern, patternSparsity } from '../compress/sparse-pattern.js';
import { keptCount, type KeepBySpace } from '../graph/channels/segments.js';
import type { Segment } from '../graph/channels/types.js';

export const PLAN_FORMAT = 'prune-studio-plan';
/** The version of channel-only plans (what every build before low rank and sparsity wrote and reads). */
export const PLAN_VERSION = 1;
/** The version of plans that also record low rank and/or sparsity (`lowrank`, `sparsity`). */
export const PLAN_COMPRESS_VERSION = 2;
/** The versions this build reads. */
export const PLAN_VERSIONS = [PLAN_VERSION, PLAN_COMPRESS_VERSION] as const;
export type PlanVersion = (typeof PLAN_VERSIONS)[number];

export const SPARSITY_SCOPES = ['layer', 'global'] as const;
export const SPARSITY_CRITERIA = ['magnitude', 'taylor'] as const;

/** One group's decision: its channel count and the sorted channel indices to keep. */
export interface GroupPlan {
  channels: number;
  keep: number[];
}

/** Version 2: low-rank factorisation after pruning and recovery. */
export interface PlanLowRank {
  /** Layer (node) id → rank, 1 ≤ rank ≤ the layer's full rank min(out, in); layers not listed stay dense. */
  ranks: Record<string, number>;
}

/** Version 2: sparsity after low rank (factors are sparsified too). */
export interface PlanSparsity {
  /** "unstructured", or N:M ("2:4", "4:8", …). */
  pattern: string;
  /** Share of the eligible weights set to zero; for N:M always 1 − N/M. */
  sparsity: number;
  /** Unstructured: one cut over all layers (global) or the share in every layer; N:M: always "layer". */
  scope: (typeof SPARSITY_SCOPES)[number];
  /** Weight importance: |w|, or Taylor (needs calibration images when applied). */
  criterion: (typeof SPARSITY_CRITERIA)[number];
}

/** The compression a version 2 plan applies after the channel groups (and recovery). */
export interface PlanCompress {
  lowrank?: PlanLowRank;
  sparsity?: PlanSparsity;
}

/** A pruning plan (JSON-serialisable). */
export interface PrunePlan extends PlanCompress {
  format: typeof PLAN_FORMAT;
  /** 1: channels only; 2: channels, then `lowrank` and/or `sparsity`. */
  version: PlanVersion;
  /** What the plan was made for, to catch applying it to another model. */
  model: { graph: string; producer: string; nodes: number };
  /** How channels were ranked ("l2", "l1", "lossless", "manual", ...). */
  criterion: string;
  /** Group id → decision. Groups not listed keep every channel. */
  groups: Record<string, GroupPlan>;
}

/** Identifying info of a model, as stored in plans. */
export function planModelInfo(model: ModelProto): PrunePlan['model'] {
  const name = model.graph?.name ?? '';
  const producer = `${model.producerName ?? ''} ${model.producerVersion ?? ''}`.trim();
  return { graph: name, producer, nodes: model.graph?.node.length ?? 0 };
}

/** Whether a plan applies low rank or sparsity after its channel groups. */
export function hasCompress(plan: PlanCompress): boolean {
  return !!plan.sparsity || Object.keys(plan.lowrank?.ranks ?? {}).length > 0;
}

/**
 * `plan` with `compress` as its low rank and sparsity, in canonical key order: version 2 when
 * there is any (an empty rank list is left out), else the plan's own version (1 for channel plans),
 * so channel-only plans stay readable by builds that read version 1 only.
 */
export function planWithCompress(plan: PrunePlan, compress: PlanCompress | undefined): PrunePlan {
  const lowrank = compress?.lowrank && Object.keys(compress.lowrank.ranks).length ? { ranks: { ...compress.lowrank.ranks } } : undefined;
  const s = compress?.sparsity;
  const sparsity = s && { pattern: s.pattern, sparsity: s.sparsity, scope: s.scope, criterion: s.criterion };
  return {
    format: PLAN_FORMAT,
    version: lowrank || sparsity ? PLAN_COMPRESS_VERSION : plan.version,
    model: plan.model,
    criterion: plan.criterion,
    groups: plan.groups,
    ...(lowrank ? { lowrank } : {}),
    ...(sparsity ? { sparsity } : {}),
  };
}

/** A plan as written to a file (canonical key order, two-space indent, final newline). */
export function formatPlan(plan: PrunePlan): string {
  return `${JSON.stringify(planWithCompress(plan, plan), null, 2)}\n`;
}

/** Checks a parsed JSON value is a plan (version 1 or 2) and returns it typed; throws with what is wrong. */
export function parsePlan(value: unknown, source = 'plan'): PrunePlan {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}. See docs/plan-format.md for the format.`);
  };
  if (typeof value !== 'object' || value === null) fail('not a JSON object');
  const v = value as Record<string, unknown>;
  if (v.format !== PLAN_FORMAT) fail(`"format" must be "${PLAN_FORMAT}"`);
  const version = parsePlanVersion(v.version, fail);
  if (typeof v.groups !== 'object' || v.groups === null) fail('"groups" must be an object of group id → { channels, keep }');
  for (const [id, g] of Object.entries(v.groups as Record<string, unknown>)) {
    const gp = g as Partial<GroupPlan> | null;
    if (!gp || typeof gp.channels !== 'number' || !Array.isArray(gp.keep) || !gp.keep.every((k) => Number.isInteger(k))) {
      fail(`group "${id}" must be { "channels": number, "keep": [integers] }`);
    }
  }
  const compress = parsePlanCompress(v, version, fail);
  // Canonical key order, so a plan written and read back is stored byte-identically.
  return {
    format: PLAN_FORMAT,
    version,
    model: (v.model as PrunePlan['model'] | undefined) ?? { graph: '', producer: '', nodes: 0 },
    criterion: typeof v.criterion === 'string' ? v.criterion : 'manual',
    groups: v.groups as PrunePlan['groups'],
    ...compress,
  };
}

/** The plan's "version", 1 or 2; a clear error for others (a newer build's plan, or none). */
export function parsePlanVersion(version: unknown, fail: (what: string) => never): PlanVersion {
  if (version === PLAN_VERSION || version === PLAN_COMPRESS_VERSION) return version;
  if (typeof version === 'number' && Number.isInteger(version) && version > PLAN_COMPRESS_VERSION) {
    return fail(`"version" ${version} is newer than this build: it reads versions ${PLAN_VERSIONS.join(' and ')}; update Prune Studio to apply this plan`);
  }
  return fail(`unsupported "version" ${JSON.stringify(version) ?? 'missing'} (this build reads versions ${PLAN_VERSIONS.join(' and ')})`);
}

/**
 * The `lowrank` and `sparsity` fields of a plan object, checked (what can be checked without the
 * model: layer ids and full ranks are checked where the plan is applied) and in canonical key order.
 */
export function parsePlanCompress(v: Record<string, unknown>, version: PlanVersion, fail: (what: string) => never): PlanCompress {
  const out: PlanCompress = {};
  if (v.lowrank === undefined && v.sparsity === undefined) return out;
  if (version < PLAN_COMPRESS_VERSION) {
    fail(`"${v.lowrank !== undefined ? 'lowrank' : 'sparsity'}" needs "version": ${PLAN_COMPRESS_VERSION} (version ${version} plans record channels only, and builds that read only them would ignore it)`);
  }
  if (v.lowrank !== undefined) {
    const lr = v.lowrank as { ranks?: unknown } | null;
    if (typeof lr !== 'object' || lr === null || typeof lr.ranks !== 'object' || lr.ranks === null || Array.isArray(lr.ranks)) {
      fail('"lowrank" must be { "ranks": { layer id: rank } }');
    }
    const ranks: Record<string, number> = {};
    for (const [id, r] of Object.entries(lr!.ranks as Record<string, unknown>)) {
      if (typeof r !== 'number' || !Number.isInteger(r) || r < 1) fail(`"lowrank" layer "${id}": rank must be a whole number ≥ 1, got ${JSON.stringify(r)} (leave a layer out to keep it dense)`);
      ranks[id] = r as number;
    }
    out.lowrank = { ranks };
  }
  if (v.sparsity !== undefined) out.sparsity = parsePlanSparsity(v.sparsity, fail);
  return out;
}

function parsePlanSparsity(value: unknown, fail: (what: string) => never): PlanSparsity {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('"sparsity" must be { "pattern", "sparsity", "scope", "criterion" }');
  const s = value as Record<string, unknown>;
  if (typeof s.pattern !== 'string') fail('"sparsity.pattern" must be a string: "unstructured", "2:4", "4:8", … (N:M with 1 ≤ N < M)');
  let pattern: ReturnType<typeof parsePattern>;
  try {
    pattern = parsePattern(s.pattern as string);
  } catch (err) {
    return fail(`"sparsity.pattern": ${(err as Error).message}`);
  }
  const sparsity = s.sparsity;
  if (typeof sparsity !== 'number' || !(sparsity > 0 && sparsity < 1)) fail(`"sparsity.sparsity" must be a number in (0, 1) (the share of weights set to zero), got ${JSON.stringify(sparsity)}`);
  if (pattern.kind === 'n:m') {
    const implied = patternSparsity(pattern, 0);
    if (Math.abs((sparsity as number) - implied) > 1e-9) fail(`"sparsity.sparsity" must be ${implied} for pattern ${s.pattern as string} (N:M zeroes 1 − N/M), got ${String(sparsity)}`);
  }
  const scope = s.scope ?? (pattern.kind === 'n:m' ? 'layer' : 'global');
  if (!(SPARSITY_SCOPES as readonly unknown[]).includes(scope)) fail(`"sparsity.scope" must be ${SPARSITY_SCOPES.map((x) => `"${x}"`).join(' or ')}, got ${JSON.stringify(scope)}`);
  if (pattern.kind === 'n:m' && scope !== 'layer') fail(`"sparsity.scope" must be "layer" for pattern ${s.pattern as string}: N:M is per block; "global" applies to unstructured sparsity`);
  const criterion = s.criterion ?? 'magnitude';
  if (!(SPARSITY_CRITERIA as readonly unknown[]).includes(criterion)) fail(`"sparsity.criterion" must be ${SPARSITY_CRITERIA.map((x) => `"${x}"`).join(' or ')}, got ${JSON.stringify(criterion)}`);
  return { pattern: s.pattern as string, sparsity: sparsity as number, scope: scope as PlanSparsity['scope'], criterion: criterion as PlanSparsity['criterion'] };
}

/**
 * Validates a plan against an analysis and returns kept channels per space (pruned spaces only).
 * Throws when a group is unknown, not prunable, has another channel count or a bad keep list.
 */
export function keepBySpace(plan: PrunePlan, analysis: ChannelAnalysis): Map<number, number[]> {
  const byId = new Map(analysis.groups.map((g) => [g.id, g]));
  const keep = new Map<number, number[]>();
  for (const [id, gp] of Object.entries(plan.groups)) {
    const g = byId.get(id);
    if (!g) throw new Error(`plan group "${id}" does not exist in this model; was the plan made for another model? (run \`prune-studio inspect MODEL --groups\` to list groups)`);
    if (gp.channels !== g.channels) throw new Error(`plan group "${id}" has ${gp.channels} channels but the model's group has ${g.channels}`);
    const sorted = [...new Set(gp.keep)].sort((a, b) => a - b);
    if (sorted.length !== gp.keep.length) throw new Error(`plan group "${id}": keep list has duplicates`);
    if (sorted.some((k) => k < 0 || k >= g.channels)) throw new Error(`plan group "${id}": keep indices must be in 0..${g.channels - 1}`);
    if (sorted.length === 0) throw new Error(`plan group "${id}": keep at least one channel`);
    if (sorted.length === g.channels) continue;
    if (!g.prunable) throw new Error(`plan group "${id}" cannot be pruned: ${g.barriers.join('; ')}`);
    if (g.blocks > 1) {
      const size = g.channels / g.blocks;
      const counts = Array.from({ length: g.blocks }, (_, b) => sorted.filter((k) => k >= b * size && k < (b + 1) * size).length);
      if (counts.some((c) => c !== counts[0] || c === 0)) {
        throw new Error(`plan group "${id}" feeds grouped convolutions: keep the same number (≥ 1) of channels in each of its ${g.blocks} blocks of ${size} (got ${counts.join(', ')})`);
      }
    }
    if (g.unit > 1) {
      const kept = new Set(sorted);
      for (let h = 0; h * g.unit < g.channels; h++) {
        let n = 0;
        for (let j = 0; j < g.unit; j++) if (kept.has(h * g.unit + j)) n++;
        if (n !== 0 && n !== g.unit) throw new Error(`plan group "${id}" is pruned in whole attention heads of ${g.unit} channels: keep all or none of channels ${h * g.unit}..${(h + 1) * g.unit - 1} (got ${n})`);
      }
    }
    for (const s of g.spaces) keep.set(s, sorted);
  }
  for (const piece of channelPieces(analysis)) {
    if (keptCount(piece, keep) === 0) {
      const g = analysis.groups[analysis.groupOfSpace[piece[0]!.space]!]!;
      throw new Error(`plan group "${g.id}" removes every channel of a Split/Slice output (channels ${piece[0]!.start}..${piece[0]!.start + piece[0]!.length - 1}); keep at least one of them`);
    }
  }
  return keep;
}

/** Sub-ranges of channels that Split/Slice outputs carry: each must keep at least one channel (ONNX runtimes reject empty tensors there). */
export function channelPieces(analysis: ChannelAnalysis): Segment[][] {
  const pieces: Segment[][] = [];
  for (const m of analysis.members) {
    if (m.kind === 'split') pieces.push(...m.outputs.filter((o) => o.length > 0));
    else if (m.kind === 'slice-range' && m.inside.length > 0) pieces.push(m.inside);
  }
  return pieces;
}

/** Adds back one channel (the best-scored when `score` is given) to every Split/Slice piece a keep map would empty. */
export function repairPieces(analysis: ChannelAnalysis, keepByGroup: Map<string, number[]>, score?: (groupId: string, channel: number) => number): void {
  for (const piece of channelPieces(analysis)) {
    const seg = piece[0]!;
    const g = analysis.groups[analysis.groupOfSpace[seg.space]!]!;
    const kept = keepByGroup.get(g.id);
    if (!kept || kept.some((k) => k >= seg.start && k < seg.start + seg.length)) continue;
    let best = seg.start;
    if (score) for (let c = seg.start; c < seg.start + seg.length; c++) if (score(g.id, c) > score(g.id, best)) best = c;
    kept.push(best);
    kept.sort((a, b) => a - b);
  }
}

export type { KeepBySpace };
