// `prune-studio sensitivity MODEL --images DIR [--criterion NAME] [--json]`: prune every group alone
// at 10 … 90 % and report the metric drop (accuracy with labels, else agreement with the original).
import { resolve } from 'node:path';
import { choiceOption, flag, positiveOption, stringOption, UsageError } from '../args.js';
import { checkOutputPaths, writeFileAtomic } from '../files.js';
import { allocateGreedy, type Allocation } from '../../core/prune/allocate.js';
import { planFromRatios } from '../../core/prune/allocate-plan.js';
import { analyseChannels } from '../../core/graph/channels/analyse.js';
import { buildGraph } from '../../core/graph/ir.js';
import { CRITERIA, criterionInfo, scoreGroups } from '../../core/score/criteria.js';
import type { MetricName } from '../../core/score/metric.js';
import { analyseSensitivity, DEFAULT_RATIOS, type SensitivityResult } from '../../core/score/sensitivity.js';
import { loadImageBatches, nodeModelRunner } from '../data/score-images.js';
import { sensitivityProgressLine } from '../data/sensitivity-progress.js';
import { IMAGE_OPTION_USAGE, IMAGE_VALUE_OPTIONS, imageReadPolicy } from '../data/image-options.js';
import { CRITERION_CHOICES, ORDER_BY_SUMMARY, TASK_OPTION_USAGE, taskOption } from '../data/prune-scoring.js';
import { curveRecovery, sensitivityRecoverOption, taskBudgetOption } from '../data/prune-target.js';
import { readModelFile } from './groups.js';
import type { CliCommand } from './types.js';

export const sensitivityCommand: CliCommand = {
  summary: 'prune each group alone at 10…90 % and measure the accuracy/agreement drop on images',
  usage: [
    'sensitivity MODEL --images DIR [--criterion NAME] [--order-by NAME] [--metric M] [--ratios LIST] [--limit N] [--task NAME=KIND,…] [--recover lsq|bias|bn] [--keep-macs F [--task-budget NAME=DROP,…] [--plan-out FILE]] [--json]',
    '',
    `  --criterion NAME   ranks the channels removed (default l2): ${CRITERIA.map((c) => c.id).join(', ')}`,
    `  --order-by NAME    ${ORDER_BY_SUMMARY}`,
    '  --metric M         accuracy (default with labelled images), agreement or kl',
    '  --ratios LIST      comma-separated fractions (default 0.1,…,0.9)',
    '  --limit N          use at most N images (default 256)',
    '  --recover M        measure each point after recovery M (lsq, bias or bn) on the same images: the curves',
    '                     of a pipeline that recovers (prune --allocate sensitivity --sensitivity-recover M)',
    '  --keep-macs F      also allocate per-group ratios keeping fraction F of the MACs (greedy on the curves)',
    '  --keep-params F    … or keeping fraction F of the parameters',
    '  --plan-out FILE    write that allocation as a plan for `prune --plan FILE`',
    '  --task-budget NAME=DROP[,…]  models with several outputs: keep each output\'s predicted drop within DROP',
    '                     while allocating (PAGCP; measures: class accuracy/agreement, dense 1 − R², segmentation pixel agreement)',
    TASK_OPTION_USAGE,
    '  --allow-non-finite skip groups whose scores are NaN/Inf (weights holding NaN/Inf) instead of refusing',
    '  --json             machine-readable report (the SensitivityResult of core/score/sensitivity.ts)',
    ...IMAGE_OPTION_USAGE,
  ].join('\n'),
  valueOptions: ['images', 'criterion', 'order-by', 'metric', 'ratios', 'limit', 'preset', 'keep-macs', 'keep-params', 'plan-out', 'task', 'task-budget', 'recover', ...IMAGE_VALUE_OPTIONS],
  async run(args, io) {
    const file = args.positional[0];
    if (!file) throw new UsageError('sensitivity needs a MODEL path');
    const dir = stringOption(args, 'images');
    if (!dir) throw new UsageError('sensitivity needs --images DIR');
    const criterion = stringOption(args, 'criterion') ?? 'l2';
    try {
      criterionInfo(criterion);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const metric = stringOption(args, 'metric') as MetricName | undefined;
    if (metric && !['accuracy', 'agreement', 'kl'].includes(metric)) throw new UsageError('--metric must be accuracy, agreement or kl');
    const ratiosText = stringOption(args, 'ratios');
    const ratios = ratiosText !== undefined ? ratiosText.split(',').map((r) => (r.trim() === '' ? NaN : Number(r))) : DEFAULT_RATIOS;
    if (ratios.some((r) => !(r > 0 && r < 1))) throw new UsageError('--ratios must be fractions in (0, 1), e.g. 0.25,0.5,0.75');
    const orderBy = choiceOption(args, 'order-by', CRITERION_CHOICES);
    const limit = positiveOption(args, 'limit', 256)!;

    const keepMacs = stringOption(args, 'keep-macs');
    const keepParams = stringOption(args, 'keep-params');
    const keepText = keepMacs ?? keepParams;
    const keep = keepText === undefined ? undefined : Number(keepText);
    if (keep !== undefined && !(keep > 0 && keep < 1)) throw new UsageError('--keep-macs / --keep-params must be a fraction in (0, 1)');
    const planOut = stringOption(args, 'plan-out');
    const imagePolicy = imageReadPolicy(args, io);
    if (planOut && keep === undefined) throw new UsageError('--plan-out needs --keep-macs F or --keep-params F');
    const tasks = taskOption(args);
    const budgets = taskBudgetOption(args);
    const recover = sensitivityRecoverOption(args, 'recover');
    if (budgets && keep === undefined) throw new UsageError('--task-budget bounds each output\'s drop in the allocation: give --keep-macs F or --keep-params F with it');
    if (planOut) checkOutputPaths([{ option: '--plan-out', file: planOut }], io.cwd);

    const model = await readModelFile(file, io.cwd);
    const analysis = analyseChannels(buildGraph(model));
    const data = loadImageBatches(model, dir, io.cwd, { limit, preset: stringOption(args, 'preset'), images: imagePolicy });
    const { scores } = await scoreGroups(model, criterion, { runner: nodeModelRunner, batches: data.batches, allowNonFinite: flag(args, 'allow-non-finite'), tasks, orderBy }, analysis);
    const result: SensitivityResult = await analyseSensitivity(model, {
      runner: nodeModelRunner, batches: data.batches, scores, criterion, ratios, metric, tasks,
      ...curveRecovery(model, analysis, recover, data.batches, tasks),
      onProgress: (p) => io.stderr(sensitivityProgressLine(p)),
    }, analysis);
    io.stderr('\n');
    let allocation: Allocation | undefined;
    if (keep !== undefined) {
      try {
        allocation = await allocateGreedy(model, analysis, { sensitivity: result, scores, target: { kind: keepMacs !== undefined ? 'macs' : 'params', keep }, budgets });
      } catch (err) {
        if (budgets) throw new UsageError((err as Error).message);
        throw err;
      }
      if (planOut) writeFileAtomic(resolve(io.cwd, planOut), `${JSON.stringify(planFromRatios(model, analysis, scores, allocation.ratios, criterion), null, 2)}\n`);
    }
    if (flag(args, 'json')) {
      io.stdout(`${JSON.stringify({ schemaVersion: 1, model: file, images: data.images, ...result, ...(allocation ? { allocation } : {}) }, null, 2)}\n`);
      return 0;
    }
    const header = `${'group'.padEnd(32)} ${result.ratios.map((r) => `${Math.round(r * 100)}%`.padStart(7)).join('')}`;
    const unit = result.metric === 'kl' ? '' : ' pts';
    const rows = Object.entries(result.curves).map(([id, c]) => `${id.padEnd(32)} ${c.drop.map((d) => (result.metric === 'kl' ? d.toFixed(3) : (d * 100).toFixed(1)).padStart(7)).join('')}`);
    const base = result.metric === 'accuracy' ? `accuracy ${(result.baseline.accuracy! * 100).toFixed(2)} %` : result.metric;
    const lines = [`${file}: ${result.metric} drop${unit} when pruning one group (${criterion}${recover ? `, each point after ${recover}` : ''}; ${data.images} images; unpruned ${base})`, header, ...rows];
    for (const o of result.outputs ?? []) {
      lines.push('', `output ${o.name} (${o.task}): ${o.measure} drop`, `${'group'.padEnd(32)} ${result.ratios.map((r) => `${Math.round(r * 100)}%`.padStart(9)).join('')}`);
      for (const [id, c] of Object.entries(result.curves)) lines.push(`${id.padEnd(32)} ${c.perOutput![o.name]!.map((d) => d.toFixed(4).padStart(9)).join('')}`);
    }
    if (allocation) {
      lines.push('', `allocation (${allocation.reached ? 'target met' : 'target NOT met'}): cost ${allocation.cost.toLocaleString('en')} of ${allocation.baseCost.toLocaleString('en')}, predicted drop ${(allocation.predictedDrop * 100).toFixed(1)} pts`);
      for (const [name, drop] of Object.entries(allocation.taskDrops ?? {})) lines.push(`  budget ${name}: predicted drop ${drop.toFixed(4)} of ${budgets![name]}`);
      for (const [id, r] of Object.entries(allocation.ratios)) lines.push(`  ${id.padEnd(32)} ${Math.round(r * 100)} %`);
      if (planOut) lines.push(`plan written to ${planOut}`);
    }
    io.stdout(`${lines.join('\n')}\n`);
    return 0;
  },
};
