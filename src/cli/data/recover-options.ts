// --recover M[,M…] for prune: recovery methods applied in order (e.g. lsq,distill), and the training
// options of distill. Training-free methods read at most 512 calibration images; distill trains on up
// to --train-images of --images (class folders add labels, which mix in cross-entropy).
import { choiceOption, numberOption, positiveOption, stringOption, UsageError, type ParsedArgs } from '../args.js';
import type { ChannelAnalysis } from '../../core/graph/channels/analyse.js';
import type { ModelProto } from '../../core/onnx/proto.js';
import type { PrunePlan } from '../../core/prune/plan.js';
import { describeRecoveryLoss, isRecoveryMethod, recoverPruned, recoveryInfo, RECOVERY_METHODS, type RecoveryMethod, type RecoveryReport } from '../../core/recover/recover.js';
import { DEFAULT_DISTILL_SETTINGS, type DistillSettings } from '../../core/train/distill.js';
import { OPTIMIZER_IDS, type OptimizerId } from '../../core/train/optimizer.js';
import { SCHEDULE_IDS, type ScheduleId } from '../../core/train/schedule.js';
import type { TaskKind } from '../../core/score/loss-task.js';
import type { EpochReport } from '../../core/train/trainer.js';
import type { CliIO } from '../io.js';
import { loadImageBatches, nodeModelRunner } from './score-images.js';

export const RECOVER_VALUE_OPTIONS = ['recover', 'epochs', 'lr', 'batch', 'temperature', 'optimizer', 'schedule', 'augment', 'held-out', 'train-images', 'distill-weight'] as const;

const AUGMENTS = { none: { flip: false, shift: 0 }, flip: { flip: true, shift: 0 }, 'flip+shift': { flip: true, shift: 2 } } as const;
type AugmentId = keyof typeof AUGMENTS;
const DEFAULT_TRAIN_IMAGES = 4096;

export const RECOVER_USAGE = [
  `  --recover M[,M…]     recovery after pruning, in order: ${RECOVERY_METHODS.join(', ')} (default none; e.g. lsq,distill)`,
  '                       training-free methods use ≤ 512 images of --images; distill trains on them (docs/training.md)',
  `  --epochs N           distill: passes over the images (default ${DEFAULT_DISTILL_SETTINGS.epochs})`,
  `  --lr X               distill: peak learning rate (default ${DEFAULT_DISTILL_SETTINGS.lr})`,
  `  --batch B            distill: images per step (default ${DEFAULT_DISTILL_SETTINGS.batchSize}; halved automatically when memory runs out)`,
  `  --temperature T      distill: softmax temperature of the KL (default ${DEFAULT_DISTILL_SETTINGS.temperature})`,
  `  --optimizer NAME     distill: ${OPTIMIZER_IDS.join('|')} (default ${DEFAULT_DISTILL_SETTINGS.optimizer})`,
  `  --schedule NAME      distill: ${SCHEDULE_IDS.join('|')} (default ${DEFAULT_DISTILL_SETTINGS.schedule})`,
  `  --augment A          distill: ${Object.keys(AUGMENTS).join('|')} (default flip)`,
  `  --held-out F         distill: share of images kept out to pick the best epoch (default ${DEFAULT_DISTILL_SETTINGS.heldOutFraction})`,
  `  --train-images N     distill: at most N images of --images (default ${DEFAULT_TRAIN_IMAGES}; more unlabelled images help more than more epochs)`,
  `  --distill-weight W   distill with labelled images: weight of the KL, 1 − W goes to cross-entropy (default ${DEFAULT_DISTILL_SETTINGS.distillWeight})`,
].join('\n');

export interface RecoverRequest {
  methods: RecoveryMethod[];
  distill: DistillSettings;
  trainImages: number;
}

/** Reads --recover and the distill options; training options without distill are refused (they would do nothing). */
export function recoverOptions(args: ParsedArgs, images: string | undefined): RecoverRequest {
  const raw = stringOption(args, 'recover') ?? 'none';
  const methods = raw.split(',').map((m) => m.trim()).filter(Boolean);
  for (const m of methods) if (!isRecoveryMethod(m)) throw new UsageError(`--recover: unknown method "${m}"; choose from ${RECOVERY_METHODS.join(', ')} (several: lsq,distill)`);
  if (new Set(methods).size !== methods.length) throw new UsageError(`--recover lists a method twice: ${raw}`);
  const chosen = (methods as RecoveryMethod[]).filter((m) => m !== 'none');
  if (chosen.length && !images) throw new UsageError(`--recover ${raw} needs images: --images DIR`);
  const trainingOptions = RECOVER_VALUE_OPTIONS.filter((o) => o !== 'recover' && args.options.has(o));
  if (trainingOptions.length && !chosen.includes('distill')) throw new UsageError(`--${trainingOptions[0]} only applies to --recover distill`);
  const heldOut = numberOption(args, 'held-out');
  if (heldOut !== undefined && !(heldOut > 0 && heldOut < 1)) throw new UsageError(`--held-out must be a fraction in (0, 1), got "${stringOption(args, 'held-out')}"`);
  const weight = numberOption(args, 'distill-weight');
  if (weight !== undefined && !(weight >= 0 && weight <= 1)) throw new UsageError(`--distill-weight must be in [0, 1], got "${stringOption(args, 'distill-weight')}"`);
  const augment = choiceOption(args, 'augment', Object.keys(AUGMENTS) as AugmentId[]);
  const d = DEFAULT_DISTILL_SETTINGS;
  return {
    methods: chosen,
    trainImages: positiveOption(args, 'train-images') ?? DEFAULT_TRAIN_IMAGES,
    distill: {
      ...d,
      epochs: positiveOption(args, 'epochs') ?? d.epochs,
      lr: positiveOption(args, 'lr', undefined, false) ?? d.lr,
      batchSize: positiveOption(args, 'batch') ?? d.batchSize,
      temperature: positiveOption(args, 'temperature', undefined, false) ?? d.temperature,
      optimizer: choiceOption<OptimizerId>(args, 'optimizer', OPTIMIZER_IDS) ?? d.optimizer,
      schedule: choiceOption<ScheduleId>(args, 'schedule', SCHEDULE_IDS) ?? d.schedule,
      augmentation: augment ? { ...AUGMENTS[augment] } : d.augmentation,
      heldOutFraction: heldOut ?? d.heldOutFraction,
      distillWeight: weight ?? d.distillWeight,
    },
  };
}

/** One stderr line per distillation epoch (epoch 0: the start). */
export function distillEpochLine(e: EpochReport, images: { images: number; labelled: number }, epochs: number): string {
  const agreement = (sep: string) => (e.heldOutAgreement !== undefined ? `${sep}agreement ${(e.heldOutAgreement * 100).toFixed(1)}%` : '');
  return e.epoch === 0
    ? `distill: ${images.images} images${images.labelled ? ' (labelled)' : ''}, held-out KL ${e.heldOutLoss.toFixed(4)}${agreement(', ')}\n`
    : `distill: epoch ${e.epoch}/${epochs}  loss ${e.trainLoss!.toFixed(4)}  held-out KL ${e.heldOutLoss.toFixed(4)}${agreement('  ')}  ${e.seconds.toFixed(1)} s${e.best ? '  (best)' : ''}\n`;
}

/**
 * Runs the requested methods one after the other on the pruned model; progress on stderr. `teacher`
 * (gradual pruning: the unpruned model, where `original` is the step's start) is what training
 * methods imitate and are guarded against; training-free methods refit to `original` with `plan`.
 */
export async function recoverChain(original: ModelProto, pruned: ModelProto, plan: PrunePlan, request: RecoverRequest, images: string, io: CliIO, analysis: ChannelAnalysis, tasks?: Record<string, TaskKind>, teacher?: { model: ModelProto; analysis: ChannelAnalysis }): Promise<{ model: ModelProto; reports: RecoveryReport[] }> {
  const reports: RecoveryReport[] = [];
  let model = pruned;
  const calibration = loadImageBatches(original, images, io.cwd, { limit: 512 });
  const training = request.methods.includes('distill') ? loadImageBatches(original, images, io.cwd, { limit: request.trainImages, batchSize: request.distill.batchSize }) : undefined;
  for (const method of request.methods) {
    const reference = teacher && recoveryInfo(method).trains ? teacher : { model: original, analysis };
    const { model: next, report } = await recoverPruned(reference.model, model, plan, method, {
      runner: nodeModelRunner,
      batches: calibration.batches,
      maxImages: 512,
      tasks,
      distill: method === 'distill' ? {
        batches: training!.batches,
        settings: request.distill,
        tasks,
        onEpoch: (e) => io.stderr(distillEpochLine(e, training!, request.distill.epochs)),
      } : undefined,
    }, reference.analysis);
    model = next;
    reports.push(report);
    const t = report.training;
    io.stderr(`recovery (${method}, ${report.images} calibration images): ${describeRecoveryLoss(report)}${t?.note ? `; ${t.note}` : ''}\n`);
  }
  return { model, reports };
}
