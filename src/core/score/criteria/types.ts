// What a channel-importance criterion is. Each implementation lives in its own file of this folder
// and is listed once in registry.ts; scoreGroups (../criteria.ts) does everything common to all of
// them: picking the prunable groups, per-output loops, aggregation, normalisation, skip reasons.
import type { ChannelAnalysis } from '../../graph/channels/analyse.js';
import type { ChannelGroup } from '../../graph/channels/types.js';
import type { ModelProto } from '../../onnx/proto.js';
import type { DataScoreOptions } from '../criteria-data.js';
import type { GroupTensor } from '../group-tensors.js';
import type { TaskKind } from '../loss-task.js';

/** Everything a criterion may read. */
export interface ScoringJob {
  model: ModelProto;
  analysis: ChannelAnalysis;
  /** The prunable groups to score. */
  groups: readonly ChannelGroup[];
  /** Group id → the activation tensors that show its channels. */
  tensorsOf: ReadonlyMap<string, readonly GroupTensor[]>;
  /** Seed of randomised criteria. */
  seed: number;
  /** Images and runner; scoreGroups guarantees them for criteria with `needsImages`. */
  data?: DataScoreOptions;
  /** Loss-driven criteria (`perOutput`): the output whose loss is scored, its index among the graph outputs and its task (which loss). */
  loss?: { output: string; index: number; task: TaskKind };
}

/** Raw scores of one criterion: per group, one or more per-channel vectors (combined with `aggregate`). */
export interface CriterionScores {
  perGroup: Map<string, Float64Array[]>;
  /** Why a prunable group without vectors got none (unless `whyNot` names a reason for it). */
  missing: string;
  whyNot?: Map<string, string>;
}

/** A channel-importance criterion: higher scores mean more important channels. */
export interface Criterion<Id extends string = string> {
  readonly id: Id;
  /** Short display name (switcher, CLI report). */
  readonly name: string;
  /** One line a teacher can read aloud: what the score measures. */
  readonly description: string;
  readonly needsImages: boolean;
  /**
   * Images the CLI (and the studio, up to the images it has) scores on by default (DEFAULT_SCORE_IMAGES when absent). A per-image estimate as
   * noisy as Taylor's needs thousands: on the SqueezeNet demo, Taylor on 256 images left 84.8 % after
   * lsq at 50 % of the MACs, on 4,096 images 89.1 % (docs/criteria.md).
   */
  readonly defaultImages?: number;
  /** The score depends on a loss: scoreGroups scores each model output alone and combines them. */
  readonly perOutput?: boolean;
  score(job: ScoringJob): CriterionScores | Promise<CriterionScores>;
}
