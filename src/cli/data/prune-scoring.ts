// What `prune` needs from scoring and recovery: the criterion (--criterion NAME [--images DIR]) and
// the loss per output (--task). Valid names come from the core registries; --recover is in recover-options.ts.
import { choiceOption, UsageError, type ParsedArgs } from '../args.js';
import type { ChannelAnalysis } from '../../core/graph/channels/analyse.js';
import type { ModelProto } from '../../core/onnx/proto.js';
import { CRITERIA, criterionInfo, DEFAULT_SCORE_IMAGES, NON_FINITE_REASON, reorderWithin, scoreGroups, scoreImages, type CriterionId } from '../../core/score/criteria.js';
import { parseTaskOverrides, TASK_KINDS, type TaskKind } from '../../core/score/loss-task.js';
import { magnitudeScores } from '../../core/score/magnitude.js';
import { groupsReconstructionSkips } from '../../core/score/criteria/reconstruction.js';
import { loadImageBatches, nodeModelRunner } from './score-images.js';

export const CRITERION_CHOICES: readonly CriterionId[] = CRITERIA.map((c) => c.id);

/**
 * Reads --criterion (default l2) and --order-by, and checks them against --images (--recover:
 * recover-options.ts). `orderBy` is absent for `--order-by none` or the criterion itself;
 * `orderGiven` says whether --order-by was given at all (prune has a default without it).
 */
export function scoringOptions(args: ParsedArgs, images: string | undefined): { criterion: CriterionId; criterionGiven: boolean; orderBy?: CriterionId; orderGiven: boolean } {
  const criterion = choiceOption(args, 'criterion', CRITERION_CHOICES, 'l2');
  if (criterionInfo(criterion).needsImages && !images) throw new UsageError(`--criterion ${criterion} needs --images DIR`);
  const given = choiceOption(args, 'order-by', [...CRITERION_CHOICES, 'none']);
  const orderBy = given === 'none' || given === criterion ? undefined : given;
  if (orderBy && criterionInfo(orderBy).needsImages && !images) throw new UsageError(`--order-by ${orderBy} needs --images DIR`);
  return { criterion, criterionGiven: args.options.has('criterion'), ...(orderBy ? { orderBy } : {}), orderGiven: given !== undefined };
}

/**
 * prune's criterion when --criterion is not given and least squares refits a one-output model:
 * `reconstruction`, which then decides both how many channels each group loses and which, when it
 * can rank every prunable group; otherwise undefined (l2, ordered by orderBeforeRefit). Measured
 * (docs/criteria.md, "Reconstruction decides the widths too"): against Taylor's widths, +0.7 to +1.4
 * points on the two Fashion-MNIST ViTs after lsq and distillation (Taylor cut half their heads,
 * which least squares cannot replace; reconstruction cut the embedding, which it can) and within
 * −0.3 to +0.4 on the CNNs. A group no layer it refits reads (a VGG's Flatten → Gemm over 1,200
 * columns) would stay whole, so such models keep l2.
 */
function criterionBeforeRefit(model: ModelProto, analysis: ChannelAnalysis): { criterion?: CriterionId; why: string } {
  if (orderBeforeRefit(model) !== 'reconstruction') return { why: 'the model has several outputs' };
  const skipped = groupsReconstructionSkips(model, analysis);
  if (skipped.length) return { why: `reconstruction cannot rank ${skipped.length} of its groups (${skipped.slice(0, 2).join(', ')}${skipped.length > 2 ? ', …' : ''}): no layer least squares refits reads them` };
  return { criterion: 'reconstruction', why: 'least squares refits the cut model' };
}

/**
 * The within-group order before a least-squares refit of `model`: `reconstruction` on a one-output
 * model, else the criterion's own (prune's default when --recover includes lsq and --order-by is not
 * given; the benches' Taylor + lsq start). Measured (docs/criteria.md,
 * "Choosing channels for least squares"): −0.2 to +0.9 points after lsq and distillation on the
 * Fashion-MNIST CNNs; on the two-task model it raised the dense output's error after lsq (1.78× →
 * 2.10× the unpruned), so several outputs keep the criterion's order.
 */
export function orderBeforeRefit(model: ModelProto): CriterionId | undefined {
  return (model.graph?.output.length ?? 1) === 1 ? 'reconstruction' : undefined;
}

/**
 * prune's criterion and within-group order before least squares refits a planned cut, from what was
 * asked: the default criterion (criterionBeforeRefit) when none was given, never an order by the
 * criterion itself, and a stderr line for every default taken (or, on a model with attention heads,
 * for a criterion that is not reconstruction).
 */
export function criterionAndOrderBeforeRefit(model: ModelProto, analysis: ChannelAnalysis, asked: { criterion: CriterionId; criterionGiven: boolean; orderBy?: CriterionId; orderGiven: boolean }, io: { stderr(text: string): void }): { criterion: CriterionId; orderBy?: CriterionId } {
  let { criterion, orderBy } = asked;
  const chosen = criterionBeforeRefit(model, analysis);
  if (!asked.criterionGiven && chosen.criterion) {
    criterion = chosen.criterion;
    if (!asked.orderGiven) orderBy = undefined;
    io.stderr('prune: criterion reconstruction (the default before least squares): it decides how many channels each group loses and which, by what the refit cannot replace (--criterion NAME to choose another)\n');
  } else if (!asked.criterionGiven && orderBy) {
    io.stderr(`prune: criterion l2 (the default; not reconstruction: ${chosen.why})\n`);
  } else if (asked.criterionGiven && criterion !== 'reconstruction' && chosen.criterion && analysis.groups.some((g) => g.prunable && g.unit > 1)) {
    // Measured on the Fashion-MNIST ViTs (docs/criteria.md, "Reconstruction decides the widths too").
    io.stderr('prune: note: with attention heads, --criterion reconstruction (the default before least squares) weighs a head, which the refit cannot replace, against widths it can; after lsq,distill it ended 0.7–1.4 points above taylor on our ViTs\n');
  }
  if (orderBy === criterion) orderBy = undefined;
  if (orderBy && !asked.orderGiven) io.stderr('prune: channels within each group ordered by reconstruction: the ones least squares best does without go (--order-by none for the criterion\'s own order)\n');
  return { criterion, ...(orderBy ? { orderBy } : {}) };
}

/** What --order-by does, for the usage texts of score and sensitivity (prune's says more: PRUNE_ORDER_BY_USAGE). */
export const ORDER_BY_SUMMARY = 'which channels of a group go, by another criterion (--criterion decides how many)';

/** prune's usage lines of --order-by, with its default. */
export const PRUNE_ORDER_BY_USAGE = [
  `  --order-by NAME      ${ORDER_BY_SUMMARY}:`,
  '                       reconstruction takes the ones least squares best does without (the default with',
  '                       --recover …lsq… on a one-output model); none: the criterion\'s own order',
].join('\n');

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

/** Channel scores of `criterion` for every prunable group (scoreGroups on at most `limit` images, default the criterion's own, loaded when it needs them). */
export async function scoresForCriterion(model: ModelProto, analysis: ChannelAnalysis, criterion: CriterionId, images: string | undefined, cwd: string, options: { limit?: number; allowNonFinite?: boolean; tasks?: Record<string, TaskKind>; orderBy?: CriterionId } = {}): Promise<Map<string, Float64Array>> {
  const { orderBy } = options;
  const used = orderBy ? [criterion, orderBy] : [criterion];
  const data = images && used.some((c) => criterionInfo(c).needsImages) ? loadImageBatches(model, images, cwd, { limit: options.limit ?? Math.max(...used.map(scoreImages)) }) : undefined;
  const result = await scoreGroups(model, criterion, { runner: nodeModelRunner, batches: data?.batches, allowNonFinite: options.allowNonFinite, tasks: options.tasks, orderBy }, analysis);
  // Groups skipped for NaN/Inf scores keep NaN scores, so the planner (allowNonFinite) leaves them whole.
  const scores = new Map(result.scores);
  for (const s of result.skipped) if (s.reason === NON_FINITE_REASON) scores.set(s.group, new Float64Array(analysis.groups.find((g) => g.id === s.group)!.channels).fill(NaN));
  return scores;
}

/** The --limit usage default: the registry's count, and the criteria that read more. */
export const SCORE_LIMIT_DEFAULTS = `default ${DEFAULT_SCORE_IMAGES}; ${CRITERIA.filter((c) => c.defaultImages).map((c) => `${c.id} ${c.defaultImages}`).join(', ')}`;

/**
 * The ranking a cost target allocates on: l1/l2 are the planner's own group norms (magnitudeScores,
 * unnormalised, as planPrune ranks them), every other criterion is scored (scoresForCriterion).
 */
export async function targetRanking(model: ModelProto, analysis: ChannelAnalysis, criterion: CriterionId, images: string | undefined, cwd: string, options: Parameters<typeof scoresForCriterion>[5] = {}): Promise<ReadonlyMap<string, ArrayLike<number>>> {
  if (criterion !== 'l1' && criterion !== 'l2') return scoresForCriterion(model, analysis, criterion, images, cwd, options);
  const magnitude = magnitudeScores(analysis, criterion);
  if (!options.orderBy) return magnitude;
  const order = await scoresForCriterion(model, analysis, options.orderBy, images, cwd, { ...options, orderBy: undefined });
  return new Map([...magnitude].map(([id, s]) => [id, order.has(id) ? reorderWithin(Float64Array.from(s), order.get(id)!) : s]));
}
