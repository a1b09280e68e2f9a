// `prune-studio sparsify MODEL -o OUT --sparsity S [--pattern unstructured|2:4|4:8] [--criterion
// magnitude|taylor] [--images DIR] [--recover none|lsq|distill|lsq,distill] [--plan-out PLAN]`: zero individual weights
// (src/core/compress/sparsify.ts). Shapes stay, so the model runs as before; the file shrinks once
// zipped. --plan-out writes a version 2 plan that `prune --plan` replays (docs/plan-format.md).
import { resolve } from 'node:path';
import { choiceOption, flag, numberOption, positiveOption, stringOption, UsageError, type ParsedArgs } from '../args.js';
import { checkModelOutputs, checkOutputPaths, loadModelFile, writeFileAtomic, writeModelFile } from '../files.js';
import { INPUT_SHAPE_OPTION, INPUT_SHAPE_USAGE, inputShapeOptions } from '../input-shape.js';
import { loadImageBatches, nodeModelRunner } from '../data/score-images.js';
import { distillEpochLine, RECOVER_USAGE, RECOVER_VALUE_OPTIONS, recoverOptions } from '../data/recover-options.js';
import { distillSparse } from '../../core/compress/sparse-distill.js';
import { trainingSummary, type TrainingSummary } from '../../core/recover/distill.js';
import { taylorBatches, taylorImportance, TAYLOR_LIMIT } from '../data/taylor-importance.js';
import { TASK_OPTION_USAGE, taskOption } from '../data/prune-scoring.js';
import { checkNM, parsePattern, patternSparsity, sparsifyModel, type SparsePattern, type SparsifiedLayer } from '../../core/compress/sparsify.js';
import { sparseLayers } from '../../core/compress/sparse-layers.js';
import { buildGraph } from '../../core/graph/ir.js';
import { formatPlan, planModelInfo, planWithCompress, PLAN_FORMAT, PLAN_VERSION, type PrunePlan } from '../../core/prune/plan.js';
import { refitSparse, type SparseRefit } from '../../core/compress/sparse-refit.js';
import { sizeLines, sizeSummary, zippedBytes, type SizeSummary } from '../compress/report.js';
import type { CliCommand } from './types.js';

const CRITERIA = ['magnitude', 'taylor'] as const;
/** What recovers a sparsified model: the SparseGPT-style refit (lsq) and sparse fine-tuning (distill). */
const RECOVER = ['lsq', 'distill'] as const;
const SCOPES = ['layer', 'global'] as const;

/** The `--json` report of a sparsify run (schemaVersion 1). */
export interface SparsifyReport {
  schemaVersion: 1;
  model: string;
  output: string;
  pattern: string;
  sparsity: number;
  scope: (typeof SCOPES)[number];
  criterion: (typeof CRITERIA)[number];
  /** Outputs whose importance was intersected (DiSparse), for taylor. */
  outputs: string[];
  images: number;
  /** "none", or the methods in order ("lsq", "distill", "lsq,distill"). */
  recover: string;
  /** distill: the training run (epochs, seconds, held-out loss per epoch), zeros held at zero. */
  training?: TrainingSummary;
  layers: SparsifiedLayer[];
  dense: { node: string; reason: string }[];
  refits: SparseRefit[];
  /** N:M patterns: every eligible layer checked on the written weights. */
  patternCheck?: { layers: number; ok: number };
  /** Zeros over all eligible weights. */
  overall: { weights: number; zeros: number; sparsity: number };
  before: SizeSummary;
  after: SizeSummary;
  fileBytes: { before: number; after: number; zippedBefore: number; zippedAfter: number };
}

function sparsityOf(args: ParsedArgs, pattern: SparsePattern): number {
  const given = numberOption(args, 'sparsity');
  if (given !== undefined && !(given > 0 && given < 1)) throw new UsageError(`--sparsity must be in (0, 1), got "${stringOption(args, 'sparsity')}"`);
  if (pattern.kind === 'n:m') {
    const implied = patternSparsity(pattern, 0);
    if (given !== undefined && Math.abs(given - implied) > 1e-9) throw new UsageError(`--pattern ${pattern.n}:${pattern.m} zeroes ${implied} of each eligible layer; leave out --sparsity or give ${implied}`);
    return implied;
  }
  if (given === undefined) throw new UsageError('sparsify needs --sparsity S (the share of weights to zero, e.g. 0.5) or an N:M --pattern');
  return given;
}

export const sparsifyCommand: CliCommand = {
  summary: 'zero individual weights (unstructured or N:M), keeping every shape',
  usage: [
    'sparsify MODEL -o OUT (--sparsity S | --pattern N:M) [options]',
    '',
    '  -o, --out FILE       where to write the sparsified model',
    '  --sparsity S         share of each eligible layer’s weights set to zero (0 < S < 1)',
    '  --pattern P          unstructured (default) or N:M along the input channels: 2:4, 4:8 … (implies S = 1 − N/M)',
    '  --scope SC           unstructured: global (default; one cut over all layers, like torch global_unstructured) or layer (S in every layer)',
    '  --criterion C        magnitude (default; |w|) or taylor (Σ (w·∂C/∂w)² on --images, per output)',
    '  --images DIR         calibration images (taylor, --recover lsq) and training images (--recover distill)',
    '  --recover M[,M]      none | lsq: SparseGPT-style refit of the kept weights | distill: sparse fine-tuning,',
    '                       distillation from the dense model with every zero held at zero (lsq,distill: both)',
    RECOVER_USAGE.split('\n').filter((l) => !l.startsWith('  --recover') && !l.startsWith('                       training-free')).join('\n'),
    `  --limit N            calibration images to read (default ${TAYLOR_LIMIT})`,
    '  --plan-out FILE      also write a plan (version 2) that `prune MODEL -o OUT --plan FILE` replays',
    TASK_OPTION_USAGE,
    '  --external-data      write the weights to OUT.data beside OUT',
    INPUT_SHAPE_USAGE,
    '  --json               print a machine-readable report (schemaVersion 1)',
    '',
    'With several outputs and --criterion taylor, a weight goes only if it is unimportant for every output',
    '(DiSparse). Zeros do not speed up dense CPU kernels: the gain is the zipped file (and sparse hardware).',
    'See docs/compress.md.',
  ].join('\n'),
  valueOptions: ['o', 'out', 'sparsity', 'pattern', 'scope', 'criterion', 'images', 'limit', 'task', 'plan-out', ...RECOVER_VALUE_OPTIONS, INPUT_SHAPE_OPTION],
  async run(args, io) {
    const file = args.positional[0];
    if (!file) throw new UsageError('sparsify needs a MODEL path');
    const out = stringOption(args, 'o', 'out');
    if (!out) throw new UsageError('sparsify needs -o OUT (where to write the sparsified model)');
    let pattern: SparsePattern;
    try {
      pattern = parsePattern(stringOption(args, 'pattern') ?? 'unstructured');
    } catch (err) {
      throw new UsageError(`--${(err as Error).message}`);
    }
    const sparsity = sparsityOf(args, pattern);
    const scope = choiceOption(args, 'scope', SCOPES, pattern.kind === 'n:m' ? 'layer' : 'global');
    if (args.options.get('scope') === 'global' && pattern.kind === 'n:m') throw new UsageError('--scope global applies to unstructured sparsity; N:M is per block');
    const criterion = choiceOption(args, 'criterion', CRITERIA, 'magnitude');
    const images = stringOption(args, 'images');
    if (criterion === 'taylor' && !images) throw new UsageError('--criterion taylor needs calibration images: --images DIR');
    const recovery = recoverOptions(args, images);
    const unfit = recovery.methods.find((m) => !(RECOVER as readonly string[]).includes(m));
    if (unfit) throw new UsageError(`--recover ${unfit} does not apply to sparsify; choose from none, ${RECOVER.join(', ')} (both: lsq,distill)`);
    const recover = recovery.methods.join(',') || 'none';
    const limit = positiveOption(args, 'limit', TAYLOR_LIMIT)!;
    const tasks = taskOption(args);

    const planOut = stringOption(args, 'plan-out');
    checkOutputPaths([{ option: '-o', file: out }, ...(planOut ? [{ option: '--plan-out', file: planOut }] : [])], io.cwd);
    const loaded = await loadModelFile(file, io.cwd);
    const model = loaded.model;
    checkModelOutputs(loaded, { option: '-o', file: out }, planOut ? [{ option: '--plan-out', file: planOut }] : [], [], io.cwd);
    const shapeOptions = inputShapeOptions(args, model);
    // Small batches: the Taylor importance sums one squared gradient per batch (more batches, a better estimate).
    const data = images ? taylorBatches(model, images, io.cwd, limit) : undefined;
    const ctx = data ? { runner: nodeModelRunner, batches: data.batches } : undefined;

    const outputs = model.graph!.output.map((o) => o.name);
    let importance: Map<string, Float32Array[]> | undefined;
    if (criterion === 'taylor') {
      importance = await taylorImportance(model, sparseLayers(buildGraph(model)).layers.map((l) => l.weight), data!, io, 'sparsify', tasks);
    }
    const result = sparsifyModel(model, { sparsity, pattern, scope, importance });
    let sparse = result.model;
    let refits: SparseRefit[] = [];
    if (ctx && recovery.methods.includes('lsq')) {
      ({ model: sparse, refits } = await refitSparse(model, sparse, result.masks, ctx));
      for (const r of refits) io.stderr(`sparsify: refit ${r.node}: relative output error² ${r.errorBefore.toFixed(4)} → ${r.errorAfter.toFixed(4)}${r.rowsRefit ? '' : ' (kept: no better)'}\n`);
    }
    let training: TrainingSummary | undefined;
    if (images && recovery.methods.includes('distill')) {
      const train = loadImageBatches(model, images, io.cwd, { limit: recovery.trainImages, batchSize: recovery.distill.batchSize });
      const tuned = await distillSparse({
        runner: nodeModelRunner, original: model, sparse, masks: result.masks, batches: train.batches, settings: recovery.distill, tasks,
        onEpoch: (e) => io.stderr(distillEpochLine(e, train, recovery.distill.epochs)),
      });
      sparse = tuned.model;
      const r = tuned.result;
      training = trainingSummary(r, tuned.settings);
      io.stderr(`sparsify: distilled ${r.parameters.length} parameters with every zero kept (best epoch ${r.bestEpoch} of ${r.history.length - 1}, ${r.seconds.toFixed(1)} s)${r.note ? `; ${r.note}` : ''}\n`);
    }
    const written = writeModelFile(sparse, resolve(io.cwd, out), { externalData: flag(args, 'external-data') });
    const patternName = pattern.kind === 'n:m' ? `${pattern.n}:${pattern.m}` : 'unstructured';
    if (planOut) {
      const channels: PrunePlan = { format: PLAN_FORMAT, version: PLAN_VERSION, model: planModelInfo(model), criterion: 'manual', groups: {} };
      writeFileAtomic(resolve(io.cwd, planOut), formatPlan(planWithCompress(channels, { sparsity: { pattern: patternName, sparsity, scope, criterion } })));
      if (recover !== 'none') io.stderr(`sparsify: --plan-out records the pattern, sparsity, scope and criterion; \`prune --plan\` does not replay --recover ${recover}\n`);
    }
    const before = sizeSummary(model, shapeOptions);
    const after = sizeSummary(sparse, shapeOptions);
    const fileBytes = { before: loaded.bytes, after: written.bytes, zippedBefore: await zippedBytes(loaded.files), zippedAfter: await zippedBytes(written.files) };
    const weights = result.layers.reduce((a, l) => a + l.size, 0);
    const zeros = result.layers.reduce((a, l) => a + l.zeros, 0);
    const check = pattern.kind === 'n:m' ? checkNM(sparse, pattern.n, pattern.m).filter((c) => c.eligible) : undefined;
    const report: SparsifyReport = {
      schemaVersion: 1, model: file, output: out, pattern: patternName, sparsity, scope, criterion, outputs: criterion === 'taylor' ? outputs : [], images: data?.images ?? 0, recover, ...(training && { training }),
      layers: result.layers, dense: result.dense, refits, ...(check && { patternCheck: { layers: check.length, ok: check.filter((c) => c.ok).length } }),
      overall: { weights, zeros, sparsity: weights ? zeros / weights : 0 }, before, after, fileBytes,
    };
    if (flag(args, 'json')) {
      io.stdout(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    io.stdout(
      [
        `${file} → ${out}: ${patternName}, ${result.layers.length} layers sparsified (${(report.overall.sparsity * 100).toFixed(1)}% of their weights are zero), ${result.dense.length} left dense`,
        ...result.layers.map((l) => `  ${l.node}  ${l.op}  ${l.zeros.toLocaleString('en')}/${l.size.toLocaleString('en')} zero (${(l.sparsity * 100).toFixed(1)}%)`),
        ...(report.patternCheck ? [`  ${patternName} pattern holds in ${report.patternCheck.ok} of ${report.patternCheck.layers} eligible layers`] : []),
        ...result.dense.map((d) => `  dense: ${d.node}: ${d.reason}`),
        ...sizeLines(before, after, fileBytes),
        '',
      ].join('\n'),
    );
    return 0;
  },
};
