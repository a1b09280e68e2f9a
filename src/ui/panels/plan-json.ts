// Reading a plan file (the core plan JSON: {format, version, groups: {id: {channels, keep}}}, and
// from version 2 `lowrank` and `sparsity`) back into ratios and the Rank/Sparsity tabs' settings.
// Unknown groups are reported, not silently dropped; versions this build does not read are refused.
import { parsePlanCompress, parsePlanVersion, type PlanCompress } from '../../core/prune/plan';
import type { GroupSummary } from '../../workers/protocol';

export interface ImportedPlan {
  ratios: Record<string, number>;
  /** Group ids in the file that this model does not have. */
  unknown: string[];
  /** Groups whose channel count differs from this model's (probably another model's plan). */
  mismatched: string[];
  /** A version 2 plan's low rank and sparsity (absent from version 1 plans). */
  compress?: PlanCompress;
}

/** Parses a plan file's text; throws an Error whose message says what is wrong with it. */
export function parsePlanJson(text: string, groups: readonly GroupSummary[], fileName = 'the plan file'): ImportedPlan {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${fileName} is not JSON. Choose a plan saved by Prune Studio (Ratios → Export plan).`);
  }
  const planGroups = (json as { groups?: unknown } | null)?.groups;
  if (typeof planGroups !== 'object' || planGroups === null || Array.isArray(planGroups)) {
    throw new Error(`${fileName} has no "groups" object, so it is not a Prune Studio plan.`);
  }
  const plan = json as Record<string, unknown>;
  const fail = (what: string): never => {
    throw new Error(`${fileName}: ${what}.`);
  };
  // Files without a version (older studio exports of ratios) read as version 1.
  const version = plan.version === undefined ? 1 : parsePlanVersion(plan.version, fail);
  const compress = parsePlanCompress(plan, version, fail);
  const byId = new Map(groups.map((g) => [g.id, g]));
  const out: ImportedPlan = { ratios: {}, unknown: [], mismatched: [], ...(version === 2 ? { compress } : {}) };
  for (const [id, entry] of Object.entries(planGroups as Record<string, unknown>)) {
    const group = byId.get(id);
    if (!group) {
      out.unknown.push(id);
      continue;
    }
    const e = entry as { channels?: unknown; keep?: unknown; ratio?: unknown };
    const channels = typeof e.channels === 'number' ? e.channels : group.channels;
    if (channels !== group.channels) {
      out.mismatched.push(id);
      continue;
    }
    const kept = Array.isArray(e.keep) ? e.keep.length : typeof e.keep === 'number' ? e.keep : undefined;
    if (kept !== undefined) out.ratios[id] = Math.min(1, Math.max(0, 1 - kept / channels));
    else if (typeof e.ratio === 'number') out.ratios[id] = Math.min(1, Math.max(0, e.ratio));
  }
  return out;
}
