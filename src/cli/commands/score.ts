// `prune-studio score MODEL --criterion NAME [--images DIR] [--json]`: per-channel importance of
// every prunable group with any criterion of core/score/criteria.ts.
import { choiceOption, flag, positiveOption, stringOption, UsageError } from '../args.js';
import { analyseChannels } from '../../core/graph/channels/analyse.js';
import { buildGraph } from '../../core/graph/ir.js';
import { CRITERION_IDS, criterionInfo, scoreGroups, scoreImages } from '../../core/score/criteria.js';
import { CRITERION_CHOICES, ORDER_BY_SUMMARY, SCORE_LIMIT_DEFAULTS, TASK_OPTION_USAGE, taskOption } from '../data/prune-scoring.js';
import { loadImageBatches, nodeModelRunner } from '../data/score-images.js';
import { IMAGE_OPTION_USAGE, IMAGE_VALUE_OPTIONS, imageReadPolicy } from '../data/image-options.js';
import { readModelFile } from './groups.js';
import type { CliCommand } from './types.js';

/** The `--json` report (schemaVersion 1). */
export interface ScoreReport {
  schemaVersion: 1;
  model: string;
  criterion: string;
  /** The criterion that ordered channels within groups (--order-by), when given. */
  orderBy?: string;
  images: number;
  groups: { id: string; channels: number; scores: number[] }[];
  perOutput?: Record<string, Record<string, number[]>>;
  skipped: { group: string; reason: string }[];
}

export const scoreCommand: CliCommand = {
  summary: 'score the channels of every prunable group with a criterion (weights, activations, Taylor, oracle)',
  usage: [
    'score MODEL --criterion NAME [--order-by NAME] [--images DIR] [--limit N] [--preset NAME] [--json]',
    '',
    `  --criterion NAME   ${CRITERION_IDS} (see docs/criteria.md)`,
    `  --order-by NAME    ${ORDER_BY_SUMMARY}`,
    '  --images DIR       images for data-based criteria (class sub-folders = labels; otherwise pseudo-labels)',
    `  --limit N          use at most N images (${SCORE_LIMIT_DEFAULTS}: a per-image estimate needs many)`,
    '  --aggregate A      mean (default), max or sum over a group\'s tensors',
    '  --normalise N      mean (default), l2 or none',
    TASK_OPTION_USAGE,
    ...IMAGE_OPTION_USAGE,
    '  --allow-non-finite skip groups whose scores are NaN/Inf (weights holding NaN/Inf) instead of refusing',
    '  --json             machine-readable report (full-precision scores: ranking them reproduces prune\'s choice)',
  ].join('\n'),
  valueOptions: ['criterion', 'order-by', 'images', 'limit', 'preset', 'aggregate', 'normalise', 'task', ...IMAGE_VALUE_OPTIONS],
  async run(args, io) {
    const file = args.positional[0];
    if (!file) throw new UsageError('score needs a MODEL path');
    const criterion = choiceOption(args, 'criterion', CRITERION_CHOICES);
    if (!criterion) throw new UsageError(`score needs --criterion NAME (one of ${CRITERION_IDS})`);
    const info = criterionInfo(criterion);
    const dir = stringOption(args, 'images');
    if (info.needsImages && !dir) throw new UsageError(`criterion "${criterion}" needs --images DIR`);
    const aggregate = choiceOption(args, 'aggregate', ['mean', 'max', 'sum'] as const, 'mean');
    const normalise = choiceOption(args, 'normalise', ['mean', 'l2', 'none'] as const, 'mean');
    const orderBy = choiceOption(args, 'order-by', CRITERION_CHOICES);
    if (orderBy && criterionInfo(orderBy).needsImages && !dir) throw new UsageError(`--order-by ${orderBy} needs --images DIR`);
    const limit = positiveOption(args, 'limit', Math.max(scoreImages(criterion), orderBy ? scoreImages(orderBy) : 0))!;
    const tasks = taskOption(args);

    const imagePolicy = imageReadPolicy(args, io);
    const model = await readModelFile(file, io.cwd);
    const analysis = analyseChannels(buildGraph(model));
    const data = (info.needsImages || (orderBy && criterionInfo(orderBy).needsImages)) && dir ? loadImageBatches(model, dir, io.cwd, { limit, preset: stringOption(args, 'preset'), images: imagePolicy }) : undefined;
    const result = await scoreGroups(model, criterion, {
      runner: nodeModelRunner, batches: data?.batches, aggregate, normalise, allowNonFinite: flag(args, 'allow-non-finite'), tasks, orderBy,
      onProgress: (done, total) => io.stderr(`\r${criterion}: ${done}/${total}`),
    }, analysis);
    if (data) io.stderr('\n');
    const groups = analysis.groups.filter((g) => result.scores.has(g.id)).map((g) => ({ id: g.id, channels: g.channels, scores: Array.from(result.scores.get(g.id)!) }));
    const report: ScoreReport = { schemaVersion: 1, model: file, criterion, ...(result.orderedBy ? { orderBy: result.orderedBy } : {}), images: data?.images ?? 0, groups, skipped: result.skipped };
    if (result.perOutput) report.perOutput = Object.fromEntries([...result.perOutput].map(([o, m]) => [o, Object.fromEntries([...m].map(([id, v]) => [id, Array.from(v)]))]));
    if (flag(args, 'json')) {
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    const lines = [`${file}: ${info.name} scores of ${groups.length} groups${result.orderedBy ? `, ordered within each group by ${criterionInfo(result.orderedBy).name.toLowerCase()}` : ''}${data ? ` on ${data.images} images` : ''} (higher = more important)`];
    for (const g of groups) {
      const sorted = [...g.scores].sort((a, b) => a - b);
      lines.push(`  ${g.id.padEnd(32)} ${String(g.channels).padStart(5)} ch   min ${sorted[0]!.toFixed(3)}  median ${sorted[sorted.length >> 1]!.toFixed(3)}  max ${sorted.at(-1)!.toFixed(3)}`);
    }
    for (const s of result.skipped) lines.push(`  ${s.group.padEnd(32)} skipped: ${s.reason}`);
    io.stdout(`${lines.join('\n')}\n`);
    return 0;
  },
};
