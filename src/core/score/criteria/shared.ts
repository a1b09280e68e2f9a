// Pieces several criteria share: weight norms, activation summaries, the images of a job,
// per-tensor values regrouped per group, and the tensors the backward graph can differentiate.
import type { GraphIR } from '../../graph/ir.js';
import type { Dim } from '../../graph/shapes.js';
import type { ModelProto } from '../../onnx/proto.js';
import type { ChannelSummary } from '../activation-stats.js';
import { buildBackwardModel } from '../backward.js';
import { activationSummaries, type DataScoreOptions } from '../criteria-data.js';
import type { GroupTensor } from '../group-tensors.js';
import { groupMagnitudes, type MagnitudeCriterion } from '../magnitude.js';
import type { TaskKind } from '../loss-task.js';
import type { CriterionScores, ScoringJob } from './types.js';

export const NO_TENSOR = 'no feature map shows exactly this group’s channels';

/** The job's images (scoreGroups checks them before calling a criterion that needs them). */
export function imagesOf(job: ScoringJob): DataScoreOptions {
  if (!job.data) throw new Error('this criterion needs images: pass calibration images (--images DIR)');
  return job.data;
}

/** Every tensor of every group, once. */
export function allTensors(job: ScoringJob): GroupTensor[] {
  return [...job.tensorsOf.values()].flat();
}

/** Per-tensor vectors regrouped per group (tensors without a value are left out). */
export function byGroup(job: ScoringJob, values: ReadonlyMap<string, Float64Array>): Map<string, Float64Array[]> {
  return new Map(job.groups.map((g) => [g.id, (job.tensorsOf.get(g.id) ?? []).map((t) => values.get(t.name)).filter((v): v is Float64Array => !!v)]));
}

/** The job's loss output (scoreGroups sets it for `perOutput` criteria). */
export function lossOf(job: ScoringJob): NonNullable<ScoringJob['loss']> {
  if (!job.loss) throw new Error('this criterion scores a loss: scoreGroups must name the output');
  return job.loss;
}

/**
 * The tensors whose gradient the backward graph can produce for `output` (shapes inferred at `inputShapes`
 * when given: the size the images are fed at). When the whole set fails
 * (an op without a backward rule on some path), each tensor is tried alone and the failures reported.
 */
export function differentiableTensors(model: ModelProto, tensors: readonly GroupTensor[], output: string, task?: TaskKind, inputShapes?: ReadonlyMap<string, readonly Dim[]>): { usable: GroupTensor[]; reasons: Map<string, string> } {
  const reasons = new Map<string, string>();
  const tasks = task ? { [output]: task } : undefined;
  const attempt = (ts: readonly GroupTensor[]) => buildBackwardModel(model, { activations: ts.map((t) => t.name), lossOutputs: [output], tasks, inputShapes });
  try {
    attempt(tensors);
    return { usable: [...tensors], reasons };
  } catch {
    const usable = tensors.filter((t) => {
      try {
        attempt([t]);
        return true;
      } catch (err) {
        reasons.set(t.name, (err as Error).message);
        return false;
      }
    });
    return { usable, reasons };
  }
}

/** True when `output` is computed from `tensor` (some path of nodes leads from one to the other). */
export function reaches(ir: GraphIR, tensor: string, output: string): boolean {
  const seen = new Set([tensor]);
  const stack = [tensor];
  while (stack.length) {
    const t = stack.pop()!;
    if (t === output) return true;
    for (const use of ir.consumers.get(t) ?? []) {
      for (const o of use.node.output) {
        if (o && !seen.has(o)) {
          seen.add(o);
          stack.push(o);
        }
      }
    }
  }
  return false;
}

/** l1 / l2: the group norm of magnitude.ts, one vector per group. */
export function weightNorms(job: ScoringJob, norm: MagnitudeCriterion): CriterionScores {
  const found = groupMagnitudes(job.analysis, norm);
  return { perGroup: new Map(job.groups.flatMap((g) => (found.has(g.id) ? [[g.id, [found.get(g.id)!]] as const] : []))), missing: 'no constant producer weights' };
}

/** Activation criteria: one pass over the images, then a per-channel summary of each tensor. */
export async function activationCriterion(job: ScoringJob, pick: (s: ChannelSummary) => Float64Array): Promise<CriterionScores> {
  const summaries = await activationSummaries(job.model, allTensors(job), imagesOf(job));
  return { perGroup: byGroup(job, new Map([...summaries].map(([name, s]) => [name, pick(s)]))), missing: NO_TENSOR };
}
