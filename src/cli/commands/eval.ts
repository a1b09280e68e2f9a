// `prune-studio eval MODEL --images DIR [--reference ORIGINAL] ...`: accuracy, agreement with the
// original, KL and latency of a model on a folder of images, and per graph output the metrics of its
// task kind. JSON fields are documented in docs/cli.md.
import { relative, resolve } from 'node:path';
import { flag, positiveOption, stringOption, UsageError } from '../args.js';
import { maskFromPixels } from '../../core/images/label-mask.js';
import { PRESET_NAMES } from '../../core/images/presets.js';
import type { LatencySummary } from '../../core/metrics/agreement.js';
import type { OutputMetricsSummary } from '../../core/metrics/dense-metrics.js';
import { TASK_KINDS, type TaskKind } from '../../core/score/loss-task.js';
import { taskOption } from '../data/prune-scoring.js';
import { evaluate, type EvaluationResult } from '../../runtime/evaluate.js';
import { checkImageFile, listImageFolder, readImageFile } from '../../runtime/node-images.js';
import { IMAGE_OPTION_USAGE, IMAGE_VALUE_OPTIONS, imageReadPolicy, readSkippingBad, reportSkipped } from '../data/image-options.js';
import type { BackendName } from '../../runtime/session.js';
import type { CliCommand } from './types.js';
import { loadModelFile } from '../files.js';
import { encodeModel } from '../../core/onnx/codec.js';

/** The stable `--json` report (schemaVersion 1). Metrics a run cannot compute are null. */
export interface EvalReport {
  schemaVersion: 1;
  model: string;
  reference: string | null;
  images: number;
  labelled: number;
  backend: string;
  fallback_reason: string | null;
  preprocess: EvaluationResult['preprocess'];
  accuracy: number | null;
  reference_accuracy: number | null;
  agreement: number | null;
  top5_agreement: number | null;
  kl: number | null;
  cosine: number | null;
  pixel_agreement: number | null;
  latency_ms: LatencySummary;
  reference_latency_ms: LatencySummary | null;
  speedup: number | null;
  outputs: OutputReport[];
  per_image?: { name: string; label: number | null; top1: number | null; reference_top1: number | null; kl: number | null; latency_ms: number }[];
}

/** One graph output: its task kind and that kind's metrics (null when the run cannot compute them). */
export type OutputReport =
  | { name: string; kind: 'class'; accuracy: number | null; agreement: number | null; top5_agreement: number | null; kl: number | null; cosine: number | null }
  | { name: string; kind: 'dense'; mse: number | null; psnr: number | null; psnr_range: number | null; cosine: number | null }
  | { name: string; kind: 'segmentation'; pixel_accuracy: number | null; miou: number | null; miou_classes: number | null; label_masks: number };

function outputReport(o: OutputMetricsSummary): OutputReport {
  const { name } = o;
  if (o.kind === 'class') {
    const c = o.class;
    return { name, kind: 'class', accuracy: c?.accuracy ?? null, agreement: c?.agreement ?? c?.pixelAgreement ?? null, top5_agreement: c?.top5Agreement ?? null, kl: c?.kl ?? null, cosine: c?.cosine ?? null };
  }
  if (o.kind === 'dense') {
    const d = o.dense;
    // JSON has no Infinity: identical outputs (MSE 0) report psnr null beside mse 0.
    return { name, kind: 'dense', mse: d?.mse ?? null, psnr: d?.psnr !== undefined && Number.isFinite(d.psnr) ? d.psnr : null, psnr_range: d?.psnrRange ?? null, cosine: d?.cosine ?? null };
  }
  const g = o.segmentation;
  return { name, kind: 'segmentation', pixel_accuracy: g?.pixelAccuracy ?? null, miou: g?.miou ?? null, miou_classes: g?.miouClasses ?? null, label_masks: g?.labelledImages ?? 0 };
}

const BACKENDS = ['cpu-node', 'wasm', 'auto'];

const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)} %`);
const num = (v: number | null, digits = 4) => (v === null ? '—' : v.toFixed(digits));
const db = (o: Extract<OutputReport, { kind: 'dense' }>) => (o.psnr !== null ? `${o.psnr.toFixed(2)} dB` : o.mse === 0 ? '∞ dB' : '—');

function outputText(o: OutputReport): string {
  if (o.kind === 'class') return `accuracy ${pct(o.accuracy)}, agreement ${pct(o.agreement)}, KL ${num(o.kl, 5)}`;
  if (o.kind === 'dense') return `MSE ${num(o.mse, 6)}, PSNR ${db(o)} (range ${num(o.psnr_range, 4)}), cosine ${num(o.cosine, 5)}`;
  const against = o.label_masks ? `against label masks on ${o.label_masks} images` : 'against the reference\'s masks';
  return `pixel accuracy ${pct(o.pixel_accuracy)}, mIoU ${pct(o.miou)}${o.miou_classes !== null ? ` over ${o.miou_classes} classes` : ''} (${against})`;
}

const ms = (l: LatencySummary) => `${l.median.toFixed(3)} ms median (mean ${l.mean.toFixed(3)}, p90 ${l.p90.toFixed(3)})`;

function toText(r: EvalReport): string {
  const lines = [
    ['Model', r.model],
    ['Reference', r.reference ?? '—'],
    ['Images', `${r.images} (${r.labelled} labelled)`],
    ['Backend', r.backend + (r.fallback_reason ? ` (${r.fallback_reason})` : '')],
    ['Accuracy', pct(r.accuracy) + (r.reference_accuracy !== null ? `   (reference ${pct(r.reference_accuracy)})` : '')],
    ['Agreement', pct(r.agreement) + (r.top5_agreement !== null ? `   top-5 ${pct(r.top5_agreement)}` : '')],
    ['KL', num(r.kl, 5)],
    ['Cosine', num(r.cosine, 5)],
    ...(r.pixel_agreement !== null ? [['Pixel agr.', pct(r.pixel_agreement)]] : []),
    ['Latency', ms(r.latency_ms)],
    ...(r.reference_latency_ms ? [['Reference', ms(r.reference_latency_ms)], ['Speedup', `${num(r.speedup, 2)}×`]] : []),
  ];
  const outputs = ['Outputs', ...r.outputs.map((o) => `  ${o.name} (${o.kind}): ${outputText(o)}`)];
  return [...lines.map(([k, v]) => `${k!.padEnd(11)} ${v}`), ...outputs].join('\n') + '\n';
}

export const evalCommand: CliCommand = {
  summary: 'accuracy, agreement with the original, KL and latency on a folder of images',
  usage:
    'eval MODEL --images DIR [--reference ORIGINAL] [--preset NAME] [--limit N] [--batch N] [--backend B] [--task NAME=KIND[,…]] [--json] [--per-image]\n\n' +
    '  --images DIR         PNG/JPEG files; class sub-folders named by output index or listed in labels.txt;\n' +
    '                       NAME.mask.png beside NAME.png/.jpg: its segmentation labels (gray value = class, 255 = ignore)\n' +
    '  --reference ORIGINAL the unpruned model: adds agreement, top-5 agreement, KL, cosine and speedup\n' +
    `  --preset NAME        preprocessing: ${PRESET_NAMES.join(', ')} (default: from the model input, [0,1])\n` +
    '  --limit N            use the first N images (classes interleaved)\n' +
    '  --batch N            images per run (default 1: latency per image)\n' +
    '  --backend B          cpu-node (default) or wasm (onnxruntime-web in Node)\n' +
    `  --task NAME=KIND[,…] metrics of an output: ${TASK_KINDS.join('|')} (default: detected from its shape)\n` +
    '  --json               machine-readable report (see docs/cli.md)\n' +
    '  --per-image          include per-image results in the JSON report\n' +
    IMAGE_OPTION_USAGE.join('\n'),
  valueOptions: ['images', 'reference', 'preset', 'limit', 'batch', 'backend', 'task', ...IMAGE_VALUE_OPTIONS],
  async run(args, io) {
    const file = args.positional[0];
    if (!file) throw new UsageError('eval needs a MODEL path');
    const dir = stringOption(args, 'images');
    if (!dir) throw new UsageError('eval needs --images DIR');
    const referenceFile = stringOption(args, 'reference');
    const backend = stringOption(args, 'backend') ?? 'cpu-node';
    if (!BACKENDS.includes(backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got "${backend}"`);
    const preset = stringOption(args, 'preset');
    if (preset !== undefined && !(PRESET_NAMES as readonly string[]).includes(preset)) {
      throw new UsageError(`--preset must be one of ${PRESET_NAMES.join(', ')}, got "${preset}"`);
    }
    const limit = positiveOption(args, 'limit');
    const batchSize = positiveOption(args, 'batch');
    const tasks: Record<string, TaskKind> | undefined = taskOption(args);
    const policy = imageReadPolicy(args, io);

    const folder = listImageFolder(resolve(io.cwd, dir), limit);
    if (folder.unknownFolders.length) {
      io.stderr(`note: sub-folders ${folder.unknownFolders.map((f) => `"${f}"`).join(', ')} are neither output indices nor in a labels file; their images count as unlabelled\n`);
    }
    // Headers are checked up front (format, size, pixel cap) so a bad file is skipped, not fatal mid-run.
    const checked = readSkippingBad(folder.entries, (e) => e.path, (e) => checkImageFile(e.path, policy), policy);
    reportSkipped(checked.skipped, folder.entries.length, policy);
    const entries = checked.results.map((r) => r.item);
    if (!entries.length) throw new Error(`${dir}: none of its ${folder.entries.length} images could be read`);
    // Loaded like every other command's models: external data read from beside the file and inlined.
    const runnable = async (f: string) => encodeModel((await loadModelFile(f, io.cwd)).model);
    const result = await evaluate({
      model: await runnable(file),
      reference: referenceFile ? await runnable(referenceFile) : undefined,
      images: entries.map((e) => ({
        name: relative(io.cwd, e.path), label: e.label, load: () => readImageFile(e.path, policy),
        ...(e.mask ? { mask: () => maskFromPixels(readImageFile(e.mask!, policy), e.mask!) } : {}),
      })),
      preprocess: preset,
      backend: backend as BackendName,
      batchSize,
      tasks,
    });
    const report: EvalReport = {
      schemaVersion: 1,
      model: file,
      reference: referenceFile ?? null,
      images: result.images,
      labelled: entries.filter((e) => e.label !== undefined).length,
      backend: result.backend,
      fallback_reason: result.fallbackReason ?? null,
      preprocess: result.preprocess,
      accuracy: result.accuracy ?? null,
      reference_accuracy: result.referenceAccuracy ?? null,
      agreement: result.agreement ?? null,
      top5_agreement: result.top5Agreement ?? null,
      kl: result.kl ?? null,
      cosine: result.cosine ?? null,
      pixel_agreement: result.pixelAgreement ?? null,
      latency_ms: result.latencyMs,
      reference_latency_ms: result.referenceLatencyMs ?? null,
      speedup: result.speedup ?? null,
      outputs: result.outputs.map(outputReport),
    };
    if (flag(args, 'per-image')) {
      report.per_image = result.perImage.map((p) => ({
        name: p.name,
        label: p.label ?? null,
        top1: p.top1 ?? null,
        reference_top1: p.referenceTop1 ?? null,
        kl: p.kl ?? null,
        latency_ms: p.latencyMs,
      }));
    }
    io.stdout(flag(args, 'json') ? `${JSON.stringify(report, null, 2)}\n` : toText(report));
    return 0;
  },
};
