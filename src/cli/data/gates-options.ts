// `prune MODEL -o OUT --criterion gates --keep-macs F --images DIR [--epochs N] [--lr X] [--batch B]
// [--train-images N]`: GDP, the training criterion that produces its plan directly (core/train/gates.ts).
// Reads its options, runs the training with progress on stderr, and summarises the gates for --json.
import { choiceOption, numberOption, positiveOption, stringOption, UsageError, type ParsedArgs } from '../args.js';
import type { CliIO } from '../io.js';
import type { ChannelAnalysis } from '../../core/graph/channels/analyse.js';
import type { ModelProto } from '../../core/onnx/proto.js';
import type { TaskKind } from '../../core/score/loss-task.js';
import { DEFAULT_GATES_SETTINGS, learnGates, type GatesResult, type GatesSettings } from '../../core/train/gates.js';
import { trainingImages } from '../../core/train/images.js';
import { loadImageBatches, nodeModelRunner } from './score-images.js';

/** The training criteria: they train and produce a plan instead of scoring channels. */
export const TRAINING_CRITERIA = [
  { id: 'gates', description: 'GDP: learn per-channel gates by distillation with a polarisation regulariser to a MACs target (docs/training.md)' },
] as const;
export const isTrainingCriterion = (id: string | undefined): boolean => TRAINING_CRITERIA.some((c) => c.id === id);

const DEFAULT_TRAIN_IMAGES = 4096;
/** Options only --criterion gates reads. */
export const GATES_VALUE_OPTIONS = ['fine-tune-from'] as const;
const FINE_TUNE_FROM = ['unpruned', 'folded'] as const;
/** Options that do not apply to --criterion gates (the training is the pruning and the recovery). */
const REFUSED = ['ratio', 'plan', 'lossless', 'keep-params', 'recover', 'allocate', 'round-to', 'max-ratio', 'grouped-convs', 'fp16'];

export interface GatesRequest {
  images: string;
  trainImages: number;
  settings: GatesSettings;
}

/** Reads the options of --criterion gates; UsageErrors say what is missing or does not apply. */
export function gatesOptions(args: ParsedArgs): GatesRequest {
  const images = stringOption(args, 'images');
  if (!images) throw new UsageError('--criterion gates trains on images: give --images DIR (unlabelled images are enough)');
  const keep = numberOption(args, 'keep-macs');
  if (keep === undefined) throw new UsageError('--criterion gates needs a MACs target: --keep-macs F (0 < F < 1), e.g. --keep-macs 0.5');
  if (!(keep > 0 && keep < 1)) throw new UsageError(`--keep-macs must be a fraction in (0, 1), got "${stringOption(args, 'keep-macs')}"`);
  const refused = REFUSED.find((o) => args.options.has(o));
  if (refused) throw new UsageError(`--${refused} does not apply to --criterion gates (the gates choose the channels by training to --keep-macs, and the training distils)`);
  const d = DEFAULT_GATES_SETTINGS;
  const from = choiceOption(args, 'fine-tune-from', FINE_TUNE_FROM);
  return {
    images,
    trainImages: positiveOption(args, 'train-images') ?? DEFAULT_TRAIN_IMAGES,
    settings: {
      ...d,
      keep,
      epochs: positiveOption(args, 'epochs') ?? d.epochs,
      // --lr sets both phases' peak rate (gates, then the fine-tuning after the removal).
      lr: positiveOption(args, 'lr', undefined, false) ?? d.lr,
      fineTuneLr: positiveOption(args, 'lr', undefined, false) ?? d.fineTuneLr,
      batchSize: positiveOption(args, 'batch') ?? d.batchSize,
      temperature: positiveOption(args, 'temperature', undefined, false) ?? d.temperature,
      rewind: from === undefined ? d.rewind : from === 'unpruned',
    },
  };
}

/** The `gates` part of the --json report. */
export function gatesReport(r: GatesResult, settings: Pick<GatesSettings, 'rewind'>) {
  return {
    histogram: r.histogram,
    ...(r.histogramBeforeForcing ? { histogramBeforeForcing: r.histogramBeforeForcing } : {}),
    zeroGates: r.histogram.zero,
    totalGates: r.histogram.total,
    undecidedShare: r.histogram.undecided,
    macs: { ...r.macs, keptFraction: r.macs.kept / r.macs.base },
    exactness: r.check,
    fineTuneFrom: settings.rewind ? 'unpruned' : 'folded',
    training: r.training,
    ...(r.fineTune ? { fineTune: r.fineTune } : {}),
    skipped: r.skipped,
    ...(r.note ? { note: r.note } : {}),
  };
}

/** Trains the gates on --images, with one line per epoch on stderr. */
export async function pruneWithGates(model: ModelProto, analysis: ChannelAnalysis, request: GatesRequest, io: CliIO, tasks?: Record<string, TaskKind>): Promise<GatesResult> {
  const loaded = loadImageBatches(model, request.images, io.cwd, { limit: request.trainImages, batchSize: request.settings.batchSize });
  const s = request.settings;
  const result = await learnGates({
    runner: nodeModelRunner, model, analysis, images: trainingImages(loaded.batches), settings: s, tasks,
    onEpoch: (e) => io.stderr(e.epoch === 0
      ? `gates: ${loaded.images} images, target ${(s.keep * 100).toFixed(1)} % of the MACs\n`
      : `gates: epoch ${e.epoch}/${s.epochs}${e.phase === 'fine-tune' ? ' (fine-tune)' : ''}  loss ${e.trainLoss!.toFixed(4)}  held-out KL ${e.heldOutLoss.toFixed(4)}${e.heldOutAgreement !== undefined ? `  agreement ${(e.heldOutAgreement * 100).toFixed(1)}%` : ''}  gates at 0: ${e.zeroGates}${e.phase === 'gates' ? `  λ ${e.lambda.toPrecision(3)}` : ''}  ${e.seconds.toFixed(1)} s${e.best ? '  (best)' : ''}\n`),
  });
  for (const x of result.skipped) io.stderr(`gates: group ${x.group} left whole: ${x.reason}\n`);
  if (result.note) io.stderr(`gates: ${result.note}\n`);
  return result;
}
