// What `prune` needs from scoring and recovery: the criterion (--criterion NAME [--images DIR]) and
// training-free recovery of the pruned model (--recover METHOD) on calibration images. Valid names
// come from the core registries.
import { choiceOption, UsageError, type ParsedArgs } from '../args.js';
import type { ChannelAnalysis } from '../../core/graph/channels/analyse.js';
import type { ModelProto } from '../../core/onnx/proto.js';
import type { PrunePlan } from '../../core/prune/plan.js';
import { recoverPruned, RECOVERY_METHODS, type RecoveryMethod, type RecoveryReport } from '../../core/recover/recover.js';
import { CRITERIA, criterionInfo, NON_FINITE_REASON, scoreGroups, type CriterionId } from '../../core/score/criteria.js';
import { parseTaskOverrides, TASK_KINDS, type TaskKind } from '../../core/score/loss-task.js';
import { loadImageBatches, nodeModelRunner } from './score-images.js';

export const CRITERION_CHOICES: readonly CriterionId[] = CRITERIA.map((c) => c.id);

/** Reads --criterion (default l2) and --recover (default none) and checks them against --images. */
export function scoringOptions(args: ParsedArgs, images: string | undefined): { criterion: CriterionId; recover: RecoveryMethod } {
  const criterion = choiceOption(args, 'criterion', CRITERION_CHOICES, 'l2');
  if (criterionInfo(criterion).needsImages && !images) throw new UsageError(`--criterion ${criterion} needs --images DIR`);
  const recover = choiceOption(args, 'recover', RECOVERY_METHODS, 'none');
  if (recover !== 'none' && !images) throw new UsageError(`--recover ${recover} needs calibration images: --images DIR`);
  return { criterion, recover };
}

/** Usage line of --task (score and prune). */
export const TASK_OPTION_USAGE = `  --task NAME=KIND[,…] loss of an output for taylor/oracle: ${TASK_KINDS.join('|')} (default: detected from its shape; see docs/criteria.md)`;

/** --task NAME=KIND[,NAME=KIND…]: output tasks for the loss-driven criteria (names are checked against the model later). */
export function taskOption(args: ParsedArgs): Record<string, TaskKind> | undefined {
  const v = args.options.get('task');
  if (v === undefined) return undefined;
  if (v === true) throw new UsageError(`--task needs NAME=${TASK_KINDS.join('|')}`);
  try {
    return parseTaskOverrides(v.split(',').filter(Boolean));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Channel scores of `criterion` for every prunable group (scoreGroups, images loaded when it needs them). */
export async function scoresForCriterion(model: ModelProto, analysis: ChannelAnalysis, criterion: CriterionId, images: string | undefined, cwd: string, options: { limit?: number; allowNonFinite?: boolean; tasks?: Record<string, TaskKind> } = {}): Promise<Map<string, Float64Array>> {
  const data = images && criterionInfo(criterion).needsImages ? loadImageBatches(model, images, cwd, { limit: options.limit ?? 256 }) : undefined;
  const result = await scoreGroups(model, criterion, { runner: nodeModelRunner, batches: data?.batches, allowNonFinite: options.allowNonFinite, tasks: options.tasks }, analysis);
  // Groups skipped for NaN/Inf scores keep NaN scores, so the planner (allowNonFinite) leaves them whole.
  const scores = new Map(result.scores);
  for (const s of result.skipped) if (s.reason === NON_FINITE_REASON) scores.set(s.group, new Float64Array(analysis.groups.find((g) => g.id === s.group)!.channels).fill(NaN));
  return scores;
}

/** Recovers the pruned model on at most `limit` images of `images` (512 by default). */
export async function recoverForPrune(original: ModelProto, pruned: ModelProto, plan: PrunePlan, method: RecoveryMethod, images: string, cwd: string, analysis: ChannelAnalysis, limit = 512): Promise<{ model: ModelProto; report: RecoveryReport }> {
  const data = loadImageBatches(original, images, cwd, { limit });
  return recoverPruned(original, pruned, plan, method, { runner: nodeModelRunner, batches: data.batches, maxImages: limit }, analysis);
}
