// The pruning plan: which channels of which group to keep. See docs/plan-format.md.
import type { ModelProto } from '../onnx/proto.js';
import type { ChannelAnalysis } from '../graph/channels/analyse.js';
import { keptCount, type KeepBySpace } from '../graph/channels/segments.js';
import type { Segment } from '../graph/channels/types.js';

export const PLAN_FORMAT = 'prune-studio-plan';
export const PLAN_VERSION = 1;

/** One group's decision: its channel count and the sorted channel indices to keep. */
export interface GroupPlan {
  channels: number;
  keep: number[];
}

/** A pruning plan (JSON-serialisable). */
export interface PrunePlan {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
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

/** Checks a parsed JSON value is a plan and returns it typed; throws with what is wrong. */
export function parsePlan(value: unknown, source = 'plan'): PrunePlan {
  const fail = (what: string): never => {
    throw new Error(`${source}: ${what}. See docs/plan-format.md for the format.`);
  };
  if (typeof value !== 'object' || value === null) fail('not a JSON object');
  const v = value as Record<string, unknown>;
  if (v.format !== PLAN_FORMAT) fail(`"format" must be "${PLAN_FORMAT}"`);
  if (v.version !== PLAN_VERSION) fail(`unsupported "version" ${String(v.version)} (this build reads version ${PLAN_VERSION})`);
  if (typeof v.groups !== 'object' || v.groups === null) fail('"groups" must be an object of group id → { channels, keep }');
  for (const [id, g] of Object.entries(v.groups as Record<string, unknown>)) {
    const gp = g as Partial<GroupPlan> | null;
    if (!gp || typeof gp.channels !== 'number' || !Array.isArray(gp.keep) || !gp.keep.every((k) => Number.isInteger(k))) {
      fail(`group "${id}" must be { "channels": number, "keep": [integers] }`);
    }
  }
  // Canonical key order, so a plan written and read back is stored byte-identically.
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    model: (v.model as PrunePlan['model'] | undefined) ?? { graph: '', producer: '', nodes: 0 },
    criterion: typeof v.criterion === 'string' ? v.criterion : 'manual',
    groups: v.groups as PrunePlan['groups'],
  };
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
