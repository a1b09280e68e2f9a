// Readable names of the outputs' task kinds (core/score/loss-task.ts).
import type { TaskKind } from '../core/score/loss-task';

export const TASK_NAMES: Record<TaskKind, string> = {
  class: 'classification',
  dense: 'dense regression',
  segmentation: 'segmentation',
};
