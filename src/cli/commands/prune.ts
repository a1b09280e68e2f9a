// `prune-studio prune MODEL -o OUT (--ratio R | --plan PLAN.json | --lossless) ...`: structured
// channel pruning from the command line; reports params, MACs and bytes before and after. A version 2
// plan's low rank and sparsity are applied after pruning and recovery (core/compress/plan-compress).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { flag, numberOption, positiveOption, stringOption, UsageError } from '../args.js';
import { checkModelOutputs, checkOutputPaths, loadModelFile, writeFileAtomic, writeModelFile } from '../files.js';
import { buildGraph } from '../../core/graph/ir.js';
import { analyseChannels } from '../../core/graph/channels/analyse.js';
import { modelMetrics, type ModelMetrics } from '../../core/metrics/model-metrics.js';
import { INPUT_SHAPE_OPTION, INPUT_SHAPE_USAGE, inputShapeOptions } from '../input-shape.js';
import { applyPlan } from '../../core/prune/apply.js';
import { formatPlan, hasCompress, parsePlan, type PrunePlan } from '../../core/prune/plan.js';
import { applyPlanCompress, checkPlanCompressInputs, checkPlanRanks, type PlanCompressResult } from '../../core/compress/plan-compress.js';
import { taylorImportanceProvider, TAYLOR_LIMIT } from '../data/taylor-importance.js';
import { planPrune } from '../../core/prune/planner.js';
import { removeConstantChannels } from '../../core/prune/lossless.js';
import { float16Refusal, toFloat16, type Float16Report } from '../../core/convert/fp16.js';
import type { CliCommand } from './types.js';
import { pruneGradually, pruneStepsOption, PRUNE_STEPS_USAGE, stepsForModel, type GradualResult } from '../data/prune-gradual.js';
import type { ModelProto } from '../../core/onnx/proto.js';
import { CRITERIA, criterionInfo, CRITERION_IDS, type CriterionId } from '../../core/score/criteria.js';
import type { RecoveryReport } from '../../core/recover/recover.js';
import { change } from '../compress/report.js';
import { recoverChain, recoverOptions, RECOVER_USAGE, RECOVER_VALUE_OPTIONS } from '../data/recover-options.js';
import { criterionAndOrderBeforeRefit, orderBeforeRefit, PRUNE_ORDER_BY_USAGE, SCORE_LIMIT_DEFAULTS, scoringOptions, targetRanking, TASK_OPTION_USAGE, taskOption } from '../data/prune-scoring.js';
import { planToTarget, TARGET_USAGE, TARGET_VALUE_OPTIONS, targetOption, targetReports, targetText, type AllocationReport, type TargetReport } from '../data/prune-target.js';
import { gatesOptions, gatesReport, GATES_VALUE_OPTIONS, isTrainingCriterion, pruneWithGates, TRAINING_CRITERIA } from '../data/gates-options.js';
import { DEFAULT_GATES_SETTINGS } from '../../core/train/gates.js';

/** The `--json` report of a prune run (schemaVersion 1). */
export interface PruneReport {
  schemaVersion: 1;
  model: string;
  output: string;
  criterion: string;
  /** The criterion that chose the channels within each group (--order-by, or its default), when not `criterion`. */
  orderBy?: string;
  groupsPruned: number;
  channelsRemoved: number;
  /** macsLowerBound: some node's MACs are unknown (dynamic dims: see --input-shape), so macs is a lower bound. */
  before: { params: number; macs: number; macsLowerBound: boolean; bytes: number };
  after: { params: number; macs: number; macsLowerBound: boolean; bytes: number };
  fileBytes: { before: number; after: number };
  /** With --fp16: what the conversion did (the after metrics and file bytes are of the fp16 model). */
  /** With --recover: each method in order (training methods add epochs, seconds, loss and held-out agreement per epoch). */
  recovery?: ReturnType<typeof recoverySummary>[];
  fp16?: Pick<Float16Report, 'convertedConstants' | 'keptFp32Constants' | 'keptFp32Nodes' | 'keptFp32Ops' | 'castsAdded' | 'clamped' | 'alreadyFloat16'>;
  /** With --keep-macs / --keep-params: the target and the fraction the written model keeps. */
  target?: TargetReport;
  /** With --keep-*: how the ratios were chosen (--allocate) and each group's ratio. */
  allocation?: AllocationReport;
  /** With --prune-steps N > 1 (default 2 with --keep-* and --recover lsq,distill on a one-output model): each cut's target, what it reached, its epochs. */
  gradual?: GradualResult['steps'];
  /** With --criterion gates: the gate histogram before removal, the gates at 0, the MACs met, the training. */
  gates?: ReturnType<typeof gatesReport>;
  /** A version 2 plan: the layers factorised (and those its ranks left dense), the zeros sparsity set. */
  compress?: ReturnType<typeof compressSummary>;
}

/** What a plan's low rank and sparsity did, for the report. */
function compressSummary(r: PlanCompressResult) {
  const weights = r.sparsity?.layers.reduce((a, l) => a + l.size, 0) ?? 0;
  const zeros = r.sparsity?.layers.reduce((a, l) => a + l.zeros, 0) ?? 0;
  return {
    ...(r.lowrank ? { lowrank: { layers: r.lowrank.layers.map((l) => ({ node: l.node, rank: l.rank, fullRank: l.fullRank, macsBefore: l.macsBefore, macsAfter: l.macsAfter })), dense: r.lowrank.dense } } : {}),
    ...(r.sparsity ? { sparsity: { layers: r.sparsity.layers.length, weights, zeros, dense: r.sparsity.dense } } : {}),
  };
}

function limitOption(args: Parameters<CliCommand['run']>[0]): number {
  return positiveOption(args, 'limit', TAYLOR_LIMIT)!;
}

function ratioOption(args: Parameters<CliCommand['run']>[0], name: string): number | undefined {
  const n = numberOption(args, name);
  if (n === undefined) return undefined;
  if (n < 0 || n >= 1) throw new UsageError(`--${name} must be a number in [0, 1), got "${stringOption(args, name)}"`);
  return n;
}

/** A recovery report without the per-layer list (that stays in the studio): method, images, KL before/after, training. */
const recoverySummary = (r: RecoveryReport) => ({ method: r.method, images: r.images, lossBefore: r.lossBefore, lossAfter: r.lossAfter, ...(r.outputs ? { outputs: r.outputs } : {}), layersUpdated: r.layers.filter((l) => l.action === 'updated').length, ...(r.training ? { training: r.training } : {}) });

const summary = (m: ModelMetrics) => ({ params: m.params, macs: m.macs, macsLowerBound: m.macsLowerBound, bytes: m.bytes });
const macsText = (m: { macs: number; macsLowerBound: boolean }) => `${m.macsLowerBound ? '≥ ' : ''}${m.macs.toLocaleString('en')}`;

/** The fp16 conversion of the pruned model, its notes on stderr (clamped values, kept fp32 ops). */
function half(model: ModelProto, io: Parameters<CliCommand['run']>[1]): { model: ModelProto; report: Float16Report } {
  const converted = toFloat16(model);
  const r = converted.report;
  if (r.alreadyFloat16) io.stderr('fp16: the model has no float32 weights (already fp16): written as it is\n');
  else io.stderr(`fp16: ${r.convertedConstants} constants converted, ${r.castsAdded} Casts added, ${r.keptFp32Nodes.length} nodes kept in fp32${r.keptFp32Ops.length ? ` (${r.keptFp32Ops.join(', ')})` : ''}\n`);
  for (const c of r.clamped) io.stderr(`fp16: warning: ${c.count} values of "${c.tensor}" beyond ±65504 (largest |x| = ${c.maxAbs}) were clamped to ±65504\n`);
  return converted;
}

export const pruneCommand: CliCommand = {
  summary: 'remove channels (by ratio, from a plan, or the provably constant ones) and write the smaller model',
  usage: [
    'prune MODEL -o OUT (--ratio R | --keep-macs F | --keep-params F | --plan PLAN.json | --lossless) [options]',
    '',
    '  -o, --out FILE       where to write the pruned model',
    '  --ratio R            remove this fraction of channels from every prunable group (0 ≤ R < 1)',
    ...TARGET_USAGE,
    '  --plan FILE          apply a plan (docs/plan-format.md) instead of planning; a version 2 plan\'s low rank',
    '                       and sparsity follow pruning and recovery (taylor sparsity needs --images)',
    '  --lossless           remove only channels whose output is provably constant (outputs unchanged)',
    `  --criterion NAME     ranks channels for --ratio/--keep-* (default l2; reconstruction with --recover …lsq…`,
    `                       on a one-output model whose groups it can all rank): ${CRITERION_IDS}`,
    `                       (${CRITERIA.filter((c) => c.needsImages).map((c) => c.id).join(', ')} need --images)`,
    PRUNE_ORDER_BY_USAGE,
    ...TRAINING_CRITERIA.map((c) => `  --criterion ${c.id}     ${c.description};`),
    '                       with --keep-macs F --images DIR [--epochs N --lr X --batch B --train-images N];',
    '                       --fine-tune-from unpruned|folded: after the gates choose, recover from the unpruned weights',
    `                       without the removed channels, or from the gates phase's weights with the gates folded in (default ${DEFAULT_GATES_SETTINGS.rewind ? 'unpruned' : 'folded'})`,
    TASK_OPTION_USAGE,
    '  --images DIR         images for data criteria and calibration images for --recover',
    RECOVER_USAGE,
    PRUNE_STEPS_USAGE,
    '  --round-to N         keep counts become multiples of N where possible',
    '  --max-ratio R        no group loses more than this fraction',
    '  --plan-out FILE      also write the plan that was applied (version 2 when it has low rank or sparsity)',
    `  --limit N            images a data criterion scores on (${SCORE_LIMIT_DEFAULTS});`,
    `                       with --plan, the images of its taylor sparsity (default ${TAYLOR_LIMIT}, as sparsify)`,
    '  --external-data      write the weights to OUT.data beside OUT (automatic when the model passes 2 GiB)',
    '  --fp16               write fp16 weights and activations (inputs/outputs stay fp32; Resize & co. stay fp32 behind Casts)',
    '  --grouped-convs      also prune grouped convolutions (equal channels from every group)',
    '  --allow-non-finite   leave groups whose scores are NaN/Inf (weights holding NaN/Inf) unpruned instead of refusing',
    INPUT_SHAPE_USAGE,
    '  --json               print a machine-readable report (schemaVersion 1)',
  ].join('\n'),
  valueOptions: ['o', 'out', 'ratio', 'plan', 'criterion', 'order-by', 'round-to', 'max-ratio', 'plan-out', 'images', 'task', 'limit', 'prune-steps', ...RECOVER_VALUE_OPTIONS, ...GATES_VALUE_OPTIONS, INPUT_SHAPE_OPTION, ...TARGET_VALUE_OPTIONS],
  async run(args, io) {
    const file = args.positional[0];
    if (!file) throw new UsageError('prune needs a MODEL path');
    const out = stringOption(args, 'o', 'out');
    if (!out) throw new UsageError('prune needs -o OUT (where to write the pruned model)');
    const ratio = ratioOption(args, 'ratio');
    const maxRatio = ratioOption(args, 'max-ratio');
    const planFile = stringOption(args, 'plan');
    const lossless = flag(args, 'lossless');
    const images = stringOption(args, 'images');
    // A training criterion (gates) trains and plans in one go; its options are read on their own.
    const gatesRequest = isTrainingCriterion(stringOption(args, 'criterion')) ? gatesOptions(args) : undefined;
    const gatesOnly = GATES_VALUE_OPTIONS.find((o) => args.options.has(o));
    if (!gatesRequest && gatesOnly) throw new UsageError(`--${gatesOnly} applies to --criterion gates only`);
    const target = gatesRequest ? undefined : targetOption(args, images);
    if (!gatesRequest && [ratio !== undefined, !!planFile, lossless, !!target].filter(Boolean).length !== 1) throw new UsageError('give exactly one of --ratio, --keep-macs, --keep-params, --plan or --lossless');
    const { criterion: criterionAsked, criterionGiven, orderBy: orderAsked, orderGiven } = gatesRequest ? { criterion: 'l2' as const, criterionGiven: true, orderBy: undefined, orderGiven: false } : scoringOptions(args, images);
    let criterion: CriterionId = criterionAsked;
    const recoverRequest = gatesRequest ? undefined : recoverOptions(args, images);
    const tasks = taskOption(args);
    if (gatesRequest && args.options.has('prune-steps')) throw new UsageError('--prune-steps applies to one-shot criteria; --criterion gates learns the channels in one training run');
    const stepsAsked = gatesRequest ? 1 : pruneStepsOption(args, target, recoverRequest);
    if (recoverRequest?.methods.includes('distill') && !recoverRequest.methods.includes('lsq') && !planFile && !lossless) {
      // Measured (docs/training.md): the refit's start is worth 1–2 points after 10 epochs on the CNNs.
      io.stderr('prune: note: distillation starts from the cut model as it is; --recover lsq,distill refits it first and ended 0.1–1.9 points higher on our held-out CNNs\n');
    }
    const roundTo = positiveOption(args, 'round-to');

    if (args.options.has('limit') && !planFile) {
      if (!target && ratio === undefined) throw new UsageError('--limit applies to a criterion that reads images (--ratio or --keep-*) or to --plan PLAN whose sparsity criterion is taylor');
      // The within-group order reads images too: the one asked for, or reconstruction's default before lsq.
      const ordersOnImages = orderAsked ? criterionInfo(orderAsked).needsImages : !orderGiven && !!recoverRequest?.methods.includes('lsq');
      if (!criterionInfo(criterion).needsImages && !ordersOnImages) throw new UsageError(`--limit: criterion ${criterion} reads no images; it applies to ${CRITERIA.filter((c) => c.needsImages).map((c) => c.id).join(', ')}`);
    }
    // Images the criterion scores on: --limit, else the criterion's own default (scoresForCriterion).
    const scoreLimit = args.options.has('limit') && !planFile ? limitOption(args) : undefined;
    const planOut = stringOption(args, 'plan-out');
    const outputs = [{ option: '-o', file: out }, ...(planOut ? [{ option: '--plan-out', file: planOut }] : [])];
    checkOutputPaths(outputs, io.cwd);
    const loaded = await loadModelFile(file, io.cwd);
    const model = loaded.model;
    const noFloat16 = flag(args, 'fp16') ? float16Refusal(buildGraph(model)) : undefined;
    if (noFloat16) throw new Error(noFloat16); // before pruning and recovery, not after them
    const steps = stepsForModel(stepsAsked, args, model);
    // Which channels least squares can best do without (--order-by none: the criterion's own order).
    const refits = !!recoverRequest?.methods.includes('lsq') && !!images;
    const refitsAPlan = refits && !gatesRequest && !planFile && !lossless;
    let orderBy = orderGiven || !refitsAPlan ? orderAsked : orderBeforeRefit(model);
    const shapeOptions = inputShapeOptions(args, model);
    checkModelOutputs(loaded, { option: '-o', file: out }, planOut ? [{ option: '--plan-out', file: planOut, mayReplace: planFile }] : [], planFile ? [planFile] : [], io.cwd);
    let plan: PrunePlan;
    let pruned!: ModelProto; // every branch below assigns it (the gradual one inside pruneGradually)
    let recovery: RecoveryReport[] = [];
    let targeted: Awaited<ReturnType<typeof planToTarget>> | undefined;
    let gates: ReturnType<typeof gatesReport> | undefined;
    let compressed: PruneReport['compress'];
    let gradual: GradualResult['steps'] | undefined;
    if (gatesRequest) {
      const learnt = await pruneWithGates(model, analyseChannels(buildGraph(model)), gatesRequest, io, tasks);
      ({ model: pruned, plan } = learnt);
      gates = gatesReport(learnt, gatesRequest.settings);
    } else if (lossless) {
      ({ model: pruned, plan } = removeConstantChannels(model));
    } else {
      // A plan file may prune grouped convolutions (validated per block), so plans always see them.
      const groupedConvolutions = flag(args, 'grouped-convs') || !!planFile;
      const analysis = analyseChannels(buildGraph(model), undefined, { groupedConvolutions });
      if (refitsAPlan) ({ criterion, orderBy } = criterionAndOrderBeforeRefit(model, analysis, { criterion, criterionGiven, orderBy, orderGiven }, io));
      if (planFile) {
        let json: unknown;
        try {
          json = JSON.parse(readFileSync(resolve(io.cwd, planFile), 'utf8'));
        } catch (err) {
          throw new Error(`cannot read plan ${planFile}: ${(err as Error).message}`, { cause: err });
        }
        plan = parsePlan(json, planFile);
        if (args.options.has('limit') && plan.sparsity?.criterion !== 'taylor') throw new UsageError(`--limit applies to a plan whose sparsity criterion is taylor; ${planFile} has none`);
        if (hasCompress(plan)) {
          try {
            checkPlanCompressInputs(plan, { importance: images ? taylorImportanceProvider(images, io.cwd, io, 'prune') : undefined });
          } catch (err) {
            throw new UsageError(`${planFile}: ${(err as Error).message}: give them with --images DIR (the images \`sparsify --criterion taylor\` read)`);
          }
          if (plan.sparsity?.criterion === 'taylor') limitOption(args);
          // Before the pruning and recovery: unknown layers and impossible ranks fail fast.
          checkPlanRanks(model, plan.lowrank?.ranks ?? {}, { shapeOptions });
        }
      } else if (target && steps > 1) {
        const done = await pruneGradually(model, analysis, target, steps, {
          criterion, orderBy, limit: scoreLimit, recover: recoverRequest, images, cwd: io.cwd, io, tasks,
          maxRatio, roundTo, allowNonFinite: flag(args, 'allow-non-finite'), groupedConvolutions, shapeOptions,
        });
        ({ plan, targeted, recovery, steps: gradual } = done);
        pruned = done.model;
      } else {
        const allowNonFinite = flag(args, 'allow-non-finite');
        if (target) {
          const ranking = await targetRanking(model, analysis, criterion, images, io.cwd, { allowNonFinite, tasks, limit: scoreLimit, orderBy });
          targeted = await planToTarget(model, analysis, target, { scores: ranking, criterion, maxRatio, roundTo, allowNonFinite, groupedConvolutions, shapeOptions, images, cwd: io.cwd, io, tasks });
          plan = targeted.found.plan;
        } else {
          // l1/l2 are the planner's own default scores (the same group norm as scoreGroups, unnormalised).
          const magnitude = (criterion === 'l1' || criterion === 'l2') && !orderBy ? criterion : undefined;
          const scores = magnitude ? undefined : new Map(await targetRanking(model, analysis, criterion, images, io.cwd, { allowNonFinite, tasks, limit: scoreLimit, orderBy }));
          plan = planPrune(model, analysis, { ratio, maxRatio, criterion: magnitude, scores, criterionName: criterion, roundTo, allowNonFinite });
        }
      }
      if (!gradual) {
        // Without recovery the original is read only for its dims (metrics) from here on: surgery may
        // slice its weights in place instead of holding old and new weights side by side.
        const recover = !!recoverRequest?.methods.length && !!images;
        pruned = applyPlan(model, plan, analysis, { consumeInput: !recover });
        if (recover) ({ model: pruned, reports: recovery } = await recoverChain(model, pruned, plan, recoverRequest!, images, io, analysis, tasks));
      }
      if (hasCompress(plan)) {
        const importance = images ? taylorImportanceProvider(images, io.cwd, io, 'prune', { limit: limitOption(args), tasks }) : undefined;
        const done = await applyPlanCompress(pruned, plan, { importance, shapeOptions, ...(Object.keys(plan.groups).length ? { context: 'after channel pruning' } : {}) });
        pruned = done.model;
        compressed = compressSummary(done);
        for (const d of done.lowrank?.dense ?? []) io.stderr(`prune: plan lowrank layer "${d.node}" left dense: ${d.reason}\n`);
      }
    }
    let fp16: Float16Report | undefined;
    if (flag(args, 'fp16')) ({ model: pruned, report: fp16 } = half(pruned, io));
    const written = writeModelFile(pruned, resolve(io.cwd, out), { externalData: flag(args, 'external-data') });
    if (planOut) writeFileAtomic(resolve(io.cwd, planOut), formatPlan(plan));

    const before = summary(modelMetrics(model, shapeOptions));
    const after = summary(modelMetrics(pruned, shapeOptions));
    const groups = Object.values(plan.groups);
    const aimed = target && targeted ? targetReports(target, targeted, before, after) : undefined;
    const report: PruneReport = {
      schemaVersion: 1,
      model: file,
      output: out,
      criterion: plan.criterion,
      ...(orderBy ? { orderBy } : {}),
      groupsPruned: groups.filter((g) => g.keep.length < g.channels).length,
      channelsRemoved: groups.reduce((s, g) => s + g.channels - g.keep.length, 0),
      before,
      after,
      fileBytes: { before: loaded.bytes, after: written.bytes },
      ...(fp16 ? { fp16 } : {}),
      ...(aimed ?? {}),
      ...(recovery.length ? { recovery: recovery.map(recoverySummary) } : {}),
      ...(gates ? { gates } : {}),
      ...(gradual ? { gradual } : {}),
      ...(compressed ? { compress: compressed } : {}),
    };
    const aimedText = aimed && targetText(aimed.target, aimed.allocation, maxRatio);
    if (aimedText?.warning) io.stderr(aimedText.warning);
    if (flag(args, 'json')) {
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      io.stdout(
        [
          `${file} → ${out} (${report.criterion}${report.orderBy ? `, ordered by ${report.orderBy}` : ''}): ${report.channelsRemoved} channels removed from ${report.groupsPruned} groups`,
          `  params  ${before.params.toLocaleString('en')} → ${after.params.toLocaleString('en')}  (${change(before.params, after.params)})`,
          `  MACs    ${macsText(before)} → ${macsText(after)}  (${change(before.macs, after.macs)})${before.macsLowerBound ? '  (lower bounds: some MACs unknown; give --input-shape for dynamic input dims)' : ''}`,
          `  bytes   ${before.bytes.toLocaleString('en')} → ${after.bytes.toLocaleString('en')}  (${change(before.bytes, after.bytes)})${fp16 ? '  (fp16)' : ''}`,
          ...(fp16 ? [`  file    ${report.fileBytes.before.toLocaleString('en')} → ${report.fileBytes.after.toLocaleString('en')} bytes`] : []),
          ...(aimedText ? [aimedText.line] : []),
          ...(gradual ? [`  steps   ${gradual.map((g) => `${(g.reached * 100).toFixed(1)} %${g.epochs ? ` + ${g.epochs} epochs` : ''}`).join(' → ')}`] : []),
          ...(compressed?.lowrank ? [`  low rank  ${compressed.lowrank.layers.length} layers factorised${compressed.lowrank.dense.length ? `, ${compressed.lowrank.dense.length} left dense` : ''}`] : []),
          ...(compressed?.sparsity ? [`  sparsity  ${plan.sparsity!.pattern}: ${((100 * compressed.sparsity.zeros) / Math.max(compressed.sparsity.weights, 1)).toFixed(1)}% zeros in ${compressed.sparsity.layers} layers${compressed.sparsity.dense.length ? `, ${compressed.sparsity.dense.length} dense` : ''}`] : []),
          ...(gates ? [`  gates   ${gates.zeroGates} of ${gates.totalGates} at 0, ${(gates.undecidedShare * 100).toFixed(1)} % in (0.05, 0.95); ${(gates.macs.keptFraction * 100).toFixed(1)} % of the MACs kept (target ${((gates.macs.target / gates.macs.base) * 100).toFixed(1)} %)`] : []),
          '',
        ].join('\n'),
      );
    }
    return 0;
  },
};
