// `prune --keep-* F --recover …,distill [--prune-steps N]`: the target reached in N prune → recover
// rounds (core/prune/gradual.ts). Each step scores the model the previous one trained with the same
// criterion and allocation, cuts to its share of the ORIGINAL cost, refits (lsq, …) to the step's
// start and distils from the unpruned model; the epochs are split so the final architecture trains
// longest. The written plan is the composition of the steps' plans, a plan of the original model.
import { positiveOption, UsageError, type ParsedArgs } from '../args.js';
import { analyseChannels, type ChannelAnalysis } from '../../core/graph/channels/analyse.js';
import { buildGraph } from '../../core/graph/ir.js';
import { modelMetrics } from '../../core/metrics/model-metrics.js';
import type { ModelProto } from '../../core/onnx/proto.js';
import { applyPlan } from '../../core/prune/apply.js';
import { composePlans, gradualSchedule } from '../../core/prune/gradual.js';
import type { PrunePlan } from '../../core/prune/plan.js';
import type { RecoveryReport } from '../../core/recover/recover.js';
import type { CriterionId } from '../../core/score/criteria.js';
import { recoverChain, type RecoverRequest } from './recover-options.js';
import { targetRanking } from './prune-scoring.js';
import { planToTarget, type TargetContext, type TargetRequest } from './prune-target.js';
import type { CliIO } from '../io.js';

/**
 * Steps when least squares then distillation recover a cost target (docs/training.md: 2 steps, 3 + 7
 * epochs). Without the refit a second cut costs more than its 7 epochs win back (held-out VGG with
 * `--recover distill`: 89.96 % in two cuts, 90.85 % in one), so distillation alone cuts once.
 */
export const DEFAULT_PRUNE_STEPS_WITH_TRAINING = 2;

/**
 * A model with several outputs cuts once unless --prune-steps is given: on the held-out two-task
 * model two cuts lost to one in both of its trainings (docs/training.md: −1.02 / 1.356× against
 * −0.94 / 1.278×, then −1.56 / 1.315× against −0.80 / 1.215×; class points / dense error).
 */
export function stepsForModel(steps: number, args: ParsedArgs, model: ModelProto): number {
  return !args.options.has('prune-steps') && (model.graph?.output.length ?? 1) > 1 ? 1 : steps;
}

export const PRUNE_STEPS_USAGE = [
  `  --prune-steps N      with --keep-*: reach the target in N prune → recover rounds (default ${DEFAULT_PRUNE_STEPS_WITH_TRAINING} with`,
  '                       --recover lsq,distill on a one-output model, else 1); the epochs are split 1 : 2 : … : N',
  '                       (docs/training.md)',
].join('\n');

/** Reads --prune-steps: a whole number ≥ 1, only with a cost target; the default depends on the recovery (lsq then distill: 2). */
export function pruneStepsOption(args: ParsedArgs, target: TargetRequest | undefined, recover: RecoverRequest | undefined): number {
  const given = positiveOption(args, 'prune-steps');
  const methods = recover?.methods ?? [];
  const trains = methods.includes('distill');
  const refitThenTrain = methods.includes('lsq') && trains && methods.indexOf('lsq') < methods.indexOf('distill');
  // Every cut trains at least one epoch: --epochs 1 cuts once.
  if (given === undefined) return target && refitThenTrain ? Math.min(DEFAULT_PRUNE_STEPS_WITH_TRAINING, recover!.distill.epochs) : 1;
  if (given > 1 && !target) throw new UsageError('--prune-steps reaches a cost target in several cuts: give --keep-macs F or --keep-params F with it');
  if (given > 1 && trains && recover!.distill.epochs < given) throw new UsageError(`--prune-steps ${given} trains after every cut: give at least ${given} --epochs (got ${recover!.distill.epochs})`);
  return given;
}

export interface GradualContext extends Omit<TargetContext, 'scores' | 'io'> {
  io: CliIO;
  criterion: CriterionId;
  /** Orders channels within groups (--order-by). */
  orderBy?: CriterionId;
  /** Images a data criterion scores on (--limit). */
  limit?: number;
  recover?: RecoverRequest;
}

export interface GradualResult {
  model: ModelProto;
  plan: PrunePlan;
  /** The last step's target search, with the composed plan and ratios of the original model. */
  targeted: Awaited<ReturnType<typeof planToTarget>>;
  recovery: RecoveryReport[];
  steps: { keep: number; reached: number; epochs: number }[];
}

/** Prunes `model` to `target` in `steps` cuts, recovering after each (see the file comment). */
export async function pruneGradually(model: ModelProto, analysis: ChannelAnalysis, target: TargetRequest, steps: number, ctx: GradualContext): Promise<GradualResult> {
  const epochs = ctx.recover?.distill.epochs ?? 0;
  const schedule = gradualSchedule(steps, target.keep, ctx.recover?.methods.includes('distill') ? epochs : 0);
  const base = modelMetrics(model, ctx.shapeOptions)[target.kind];
  let current = model;
  let currentAnalysis = analysis;
  let plan: PrunePlan | undefined;
  let targeted: GradualResult['targeted'] | undefined;
  const recovery: RecoveryReport[] = [];
  const done: GradualResult['steps'] = [];
  for (const [i, step] of schedule.entries()) {
    const now = modelMetrics(current, ctx.shapeOptions)[target.kind];
    const keep = Math.min((step.keep * base) / now, 1 - 1e-9);
    ctx.io.stderr(`prune: step ${i + 1}/${steps}: to ${(step.keep * 100).toFixed(1)} % of the ${target.kind === 'macs' ? 'MACs' : 'params'}${step.epochs ? `, then ${step.epochs} epoch${step.epochs === 1 ? '' : 's'}` : ''}\n`);
    const scores = await targetRanking(current, currentAnalysis, ctx.criterion, ctx.images, ctx.cwd, { limit: ctx.limit, allowNonFinite: ctx.allowNonFinite, tasks: ctx.tasks, orderBy: ctx.orderBy });
    targeted = await planToTarget(current, currentAnalysis, { ...target, keep }, { ...ctx, scores });
    const stepPlan = targeted.found.plan;
    let next = applyPlan(current, stepPlan, currentAnalysis);
    if (ctx.recover?.methods.length && ctx.images) {
      const request = { ...ctx.recover, distill: { ...ctx.recover.distill, epochs: step.epochs } };
      const recovered = await recoverChain(current, next, stepPlan, request, ctx.images, ctx.io, currentAnalysis, ctx.tasks, { model, analysis });
      next = recovered.model;
      recovery.push(...recovered.reports);
    }
    plan = plan ? composePlans(plan, stepPlan) : stepPlan;
    current = next;
    currentAnalysis = analyseChannels(buildGraph(current), undefined, { groupedConvolutions: ctx.groupedConvolutions });
    done.push({ keep: step.keep, reached: modelMetrics(current, ctx.shapeOptions)[target.kind] / base, epochs: step.epochs });
  }
  const ratios = Object.fromEntries(Object.entries(plan!.groups).map(([id, g]) => [id, 1 - g.keep.length / g.channels]));
  const { ratio: _single, predictedDrop: _drop, ...found } = targeted!.found;
  return { model: current, plan: plan!, targeted: { ...targeted!, found: { ...found, plan: plan!, ratios } }, recovery, steps: done };
}
