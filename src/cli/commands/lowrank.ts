// `prune-studio lowrank MODEL -o OUT (--rank-ratio R | --energy E | --keep-macs F) [--images DIR]
// [--recover none|lsq] [--plan-out PLAN]`: low-rank factorisation of Gemm/MatMul/Conv layers
// (src/core/compress). --plan-out writes a version 2 plan of the ranks that `prune --plan` replays.
import { resolve } from 'node:path';
import { choiceOption, flag, numberOption, positiveOption, stringOption, UsageError, type ParsedArgs } from '../args.js';
import { checkModelOutputs, checkOutputPaths, loadModelFile, writeFileAtomic, writeModelFile } from '../files.js';
import { INPUT_SHAPE_OPTION, INPUT_SHAPE_USAGE, inputShapeOptions } from '../input-shape.js';
import { loadImageBatches, nodeModelRunner } from '../data/score-images.js';
import { factoriseModel, type FactorisedLayer } from '../../core/compress/lowrank.js';
import { inputCovariances, refitSecondFactors, type Refit } from '../../core/compress/lowrank-data.js';
import type { RankTarget } from '../../core/compress/lowrank-rank.js';
import { formatPlan, planModelInfo, planWithCompress, PLAN_FORMAT, PLAN_VERSION, type PrunePlan } from '../../core/prune/plan.js';
import { sizeLines, sizeSummary, zippedBytes, type SizeSummary } from '../compress/report.js';
import type { CliCommand } from './types.js';

const RECOVER = ['none', 'lsq'] as const;
/** Calibration images read by default (measured on the VGG demo at --keep-macs 0.5 + lsq: 256 → −2.43 points, 1024 → −1.82, 2048 → −1.81). */
const LOWRANK_LIMIT = 1024;

/** The `--json` report of a lowrank run (schemaVersion 1). */
export interface LowRankReport {
  schemaVersion: 1;
  model: string;
  output: string;
  target: RankTarget;
  /** Images the covariances (and refits) were computed on; 0 without --images. */
  images: number;
  recover: (typeof RECOVER)[number];
  layers: FactorisedLayer[];
  dense: { node: string; reason: string }[];
  /** Layers left data-unaware under --images (too many inputs per row, non-2-D convs). */
  notWhitened: { node: string; reason: string }[];
  refits: Refit[];
  before: SizeSummary;
  after: SizeSummary;
  fileBytes: { before: number; after: number; zippedBefore: number; zippedAfter: number };
}

function fraction(args: ParsedArgs, name: string, open: boolean): number | undefined {
  const v = numberOption(args, name);
  if (v === undefined) return undefined;
  if (!(v > 0 && (open ? v < 1 : v <= 1))) throw new UsageError(`--${name} must be in (0, ${open ? '1)' : '1]'}, got "${stringOption(args, name)}"`);
  return v;
}

function targetOf(args: ParsedArgs): RankTarget {
  const ratio = fraction(args, 'rank-ratio', false);
  const energy = fraction(args, 'energy', false);
  const keep = fraction(args, 'keep-macs', true);
  const given = [ratio, energy, keep].filter((v) => v !== undefined).length;
  if (given !== 1) throw new UsageError('give exactly one of --rank-ratio R, --energy E or --keep-macs F');
  if (ratio !== undefined) return { kind: 'rank-ratio', ratio };
  if (energy !== undefined) return { kind: 'energy', energy };
  return { kind: 'keep-macs', fraction: keep! };
}

export const lowrankCommand: CliCommand = {
  summary: 'factor Gemm/MatMul/Conv layers into two low-rank layers where that lowers MACs',
  usage: [
    'lowrank MODEL -o OUT (--rank-ratio R | --energy E | --keep-macs F) [options]',
    '',
    '  -o, --out FILE       where to write the factorised model',
    '  --rank-ratio R       rank = ⌈R · min(out, in)⌉ in every layer (0 < R ≤ 1)',
    '  --energy E           per layer, the smallest rank keeping this share of Σσ² (0 < E ≤ 1)',
    '  --keep-macs F        global ranking of normalised singular values until MACs ≤ F × before (0 < F < 1)',
    '  --images DIR         calibration images: whiten by each layer’s input covariance before the SVD',
    '  --recover M          none | lsq: refit each second factor and bias by least squares (needs --images)',
    '  --limit N            calibration images to read (default 1024: a dense layer’s covariance needs',
    '                       about as many images as it has inputs; VGG’s 1568-wide Gemm lost 0.6 points at 256)',
    '  --plan-out FILE      also write a plan (version 2) of the ranks that `prune MODEL -o OUT --plan FILE` replays',
    '                       (by plain SVD: --images whitening and --recover are not replayed)',
    '  --external-data      write the weights to OUT.data beside OUT',
    INPUT_SHAPE_USAGE,
    '  --json               print a machine-readable report (schemaVersion 1)',
    '',
    'Layers are factorised only below their break-even rank (where two layers cost fewer MACs than one);',
    'each rank becomes a channel group that `prune` can shrink further. See docs/compress.md.',
  ].join('\n'),
  valueOptions: ['o', 'out', 'rank-ratio', 'energy', 'keep-macs', 'images', 'recover', 'limit', 'plan-out', INPUT_SHAPE_OPTION],
  async run(args, io) {
    const file = args.positional[0];
    if (!file) throw new UsageError('lowrank needs a MODEL path');
    const out = stringOption(args, 'o', 'out');
    if (!out) throw new UsageError('lowrank needs -o OUT (where to write the factorised model)');
    const target = targetOf(args);
    const images = stringOption(args, 'images');
    const recover = choiceOption(args, 'recover', RECOVER, 'none');
    if (recover !== 'none' && !images) throw new UsageError(`--recover ${recover} needs calibration images: --images DIR`);
    const limit = positiveOption(args, 'limit', LOWRANK_LIMIT)!;

    const planOut = stringOption(args, 'plan-out');
    checkOutputPaths([{ option: '-o', file: out }, ...(planOut ? [{ option: '--plan-out', file: planOut }] : [])], io.cwd);
    const loaded = await loadModelFile(file, io.cwd);
    const model = loaded.model;
    checkModelOutputs(loaded, { option: '-o', file: out }, planOut ? [{ option: '--plan-out', file: planOut }] : [], [], io.cwd);
    const shapeOptions = inputShapeOptions(args, model);
    const data = images ? loadImageBatches(model, images, io.cwd, { limit }) : undefined;
    const ctx = data ? { runner: nodeModelRunner, batches: data.batches } : undefined;
    let notWhitened: LowRankReport['notWhitened'] = [];
    let covariances: Map<string, Float64Array> | undefined;
    if (ctx) {
      ({ covariances, skipped: notWhitened } = await inputCovariances(model, ctx));
      io.stderr(`lowrank: input covariances of ${covariances.size} layers on ${data!.images} images\n`);
    }
    const result = factoriseModel(model, { target, covariances, shapeOptions });
    let factorised = result.model;
    let refits: Refit[] = [];
    if (ctx && recover === 'lsq' && result.layers.length) {
      ({ model: factorised, refits } = await refitSecondFactors(model, factorised, result.layers, ctx));
      for (const r of refits) io.stderr(`lowrank: refit ${r.node}: output error ${r.errorBefore.toFixed(4)} → ${r.errorAfter.toFixed(4)}${r.applied ? '' : ' (kept: no better)'}\n`);
    }
    const outPath = resolve(io.cwd, out);
    const written = writeModelFile(factorised, outPath, { externalData: flag(args, 'external-data') });
    if (planOut) {
      const channels: PrunePlan = { format: PLAN_FORMAT, version: PLAN_VERSION, model: planModelInfo(model), criterion: 'manual', groups: {} };
      writeFileAtomic(resolve(io.cwd, planOut), formatPlan(planWithCompress(channels, { lowrank: { ranks: Object.fromEntries(result.layers.map((l) => [l.node, l.rank])) } })));
      if (ctx) io.stderr('lowrank: --plan-out records the ranks; `prune --plan` factorises by plain SVD, so its weights differ from this data-aware run (same ranks)\n');
    }
    const before = sizeSummary(model, shapeOptions);
    const after = sizeSummary(factorised, shapeOptions);
    const fileBytes = { before: loaded.bytes, after: written.bytes, zippedBefore: await zippedBytes(loaded.files), zippedAfter: await zippedBytes(written.files) };
    const report: LowRankReport = { schemaVersion: 1, model: file, output: out, target, images: data?.images ?? 0, recover, layers: result.layers, dense: result.dense, notWhitened, refits, before, after, fileBytes };
    if (flag(args, 'json')) {
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    const rows = result.layers.map((l) => `  ${l.node}  ${l.op} ${l.out}×${l.in}  rank ${l.rank}/${l.fullRank} (break-even ${l.breakEven})  energy ${(l.energyKept * 100).toFixed(1)}%${l.dataAware ? ' (data-aware)' : ''}`);
    io.stdout(
      [
        `${file} → ${out}: ${result.layers.length} layers factorised, ${result.dense.length} left dense`,
        ...rows,
        ...sizeLines(before, after, fileBytes),
        '',
      ].join('\n'),
    );
    return 0;
  },
};
