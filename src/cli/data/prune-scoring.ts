// What `prune` needs from scoring and recovery: data-based criteria (--criterion NAME --images DIR)
// and training-free recovery of the pruned model (--recover none|bn|bias|lsq) on calibration images.
import { UsageError } from '../args.js';
import type { ChannelAnalysis } from '../../core/graph/channels/analyse.js';
import type { ModelProto } from '../../core/onnx/proto.js';
import type { PrunePlan } from '../../core/prune/plan.js';
import { recoverPruned, RECOVERY_METHODS, type RecoveryMethod, type RecoveryReport } from '../../core/recover/recover.js';
import { CRITERIA, criterionInfo, scoreGroups } from '../../core/score/criteria.js';
import { loadImageBatches, nodeModelRunner } from './score-images.js';

/** Checks --criterion/--images/--recover together; returns the recovery method. */
export function checkScoringOptions(criterion: string, images: string | undefined, recover: string | undefined): RecoveryMethod {
  let needsImages: boolean;
  try {
    needsImages = criterionInfo(criterion).needsImages;
  } catch {
    throw new UsageError(`--criterion must be one of ${CRITERIA.map((c) => c.id).join(', ')}, got "${criterion}"`);
  }
  if (needsImages && !images) throw new UsageError(`--criterion ${criterion} needs --images DIR`);
  const method = (recover ?? 'none') as RecoveryMethod;
  if (!RECOVERY_METHODS.includes(method)) throw new UsageError(`--recover must be one of ${RECOVERY_METHODS.join(', ')}, got "${recover}"`);
  if (method !== 'none' && !images) throw new UsageError(`--recover ${method} needs calibration images: --images DIR`);
  return method;
}

/** Channel scores for any criterion other than the planner's built-in l1/l2 (undefined for those). */
export async function scoresForCriterion(model: ModelProto, analysis: ChannelAnalysis, criterion: string, images: string | undefined, cwd: string, limit = 256): Promise<Map<string, Float64Array> | undefined> {
  if (criterion === 'l1' || criterion === 'l2') return undefined;
  const data = images ? loadImageBatches(model, images, cwd, { limit }) : undefined;
  return (await scoreGroups(model, criterion, { runner: nodeModelRunner, batches: data?.batches }, analysis)).scores;
}

/** Recovers the pruned model on at most `limit` images of `images` (512 by default). */
export async function recoverForPrune(original: ModelProto, pruned: ModelProto, plan: PrunePlan, method: RecoveryMethod, images: string, cwd: string, analysis: ChannelAnalysis, limit = 512): Promise<{ model: ModelProto; report: RecoveryReport }> {
  const data = loadImageBatches(original, images, cwd, { limit });
  return recoverPruned(original, pruned, plan, method, { runner: nodeModelRunner, batches: data.batches, maxImages: limit }, analysis);
}
