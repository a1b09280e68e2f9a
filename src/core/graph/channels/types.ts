// Data model of channel-dependency analysis. Every tensor that carries channels has a channel
// axis made of SEGMENTS, each a run of channels from one channel SPACE (a Concat output is several
// segments; a Split output is a sub-range). Spaces are created by channel producers (Conv output
// channels, Gemm/MatMul output features, graph inputs); spaces that must be pruned together are
// united into GROUPS. MEMBERS are the constants and attributes that surgery rewrites for a group.
import type { NodeProto } from '../../onnx/proto.js';

/** A run of `length` channels of space `space`, starting at channel `start` of that space. */
export interface Segment {
  space: number;
  start: number;
  length: number;
}

/** Where a tensor's channels are: the axis, the tensor rank, and what the positions along it hold. */
export interface ChannelLayout {
  axis: number;
  rank: number;
  segments: Segment[];
  /** Contiguous entries per channel along the axis (H·W after Flatten; 1 otherwise). */
  block: number;
  /**
   * Channels per position (attention heads: a position along the head axis of [B, T, h, d] stands
   * for head_dim consecutive channels). Absent: 1. Never combined with block > 1.
   */
  unit?: number;
  /**
   * The axis holds `outer × positions` entries, outer-major (MultiheadAttention's [T, B·h, d]: the
   * head axis merged with the batch axis, entry b·h + head). Absent: positions only.
   */
  outer?: number | string;
}

/** A channel space: a set of channels created by one producer. */
export interface ChannelSpace {
  index: number;
  length: number;
  /** Display name: the producer's node id, or `input:<name>`. */
  name: string;
  producer?: NodeProto;
  /** Reasons this space must not be pruned (model input/output, unsupported ops, ...). */
  barriers: string[];
  /** Grouped convolutions reading/writing these channels: each needs equal pruning in `n` contiguous blocks. */
  blocks?: number[];
  /** True when an op computes statistics across these channels (LayerNorm over channels): pruning changes the other channels' values. */
  channelStatistics?: boolean;
  /** Channels are removed in contiguous units of these sizes (attention heads of head_dim channels). */
  units?: number[];
}

interface MemberBase {
  node: NodeProto;
  /** What the member is, for people: "Conv.weight[out]", "BatchNormalization.scale", ... */
  role: string;
}

/** A constant input sliced along `axis` (positions laid out by `segments`, `block` entries each). */
export interface SliceMember extends MemberBase {
  kind: 'slice';
  inputIndex: number;
  axis: number;
  segments: Segment[];
  block: number;
  /** Positions along the axis are heads of `unit` channels (a per-head bias table); absent when 1. */
  unit?: number;
  /** True for the weights that create the channels (used by magnitude scoring). */
  producer: boolean;
}

/** Grouped Conv weight's input axis: block b of the input channels feeds output block b. */
export interface GroupedInMember extends MemberBase {
  kind: 'grouped-in';
  inputIndex: number;
  segments: Segment[];
  blocks: number;
}

/** Depthwise Conv/ConvTranspose: `group` becomes the kept channel count. */
export interface GroupAttrMember extends MemberBase {
  kind: 'group-attr';
  segments: Segment[];
}

/** Split on the channel axis: the sizes become each output's kept count. */
export interface SplitMember extends MemberBase {
  kind: 'split';
  axis: number;
  outputs: Segment[][];
  block: number;
}

/** Slice on the channel axis: start/end become kept counts before/inside the range. */
export interface SliceRangeMember extends MemberBase {
  kind: 'slice-range';
  /** Index of the channel axis inside the node's `axes` list. */
  axesIndex: number;
  /** Input channel segments before / inside the sliced range. */
  before: Segment[];
  inside: Segment[];
  block: number;
}

/** One entry of a constant shape/sizes vector (Reshape, Expand, Resize sizes) that counts channels. */
export interface ShapeEntryMember extends MemberBase {
  kind: 'shape-entry';
  inputIndex: number;
  position: number;
  segments: Segment[];
  block: number;
  /** The entry counts units of this many channels (heads); absent: 1. */
  unit?: number;
}

/**
 * One entry of a shape vector the graph computes (Concat of Shape/Gather pieces) that would be
 * wrong after pruning: the Concat input holding it is replaced by a constant, the kept count
 * (kept channels · block / unit), or -1 (`inferred`) where the Reshape can size it itself.
 */
export interface ComputedEntryMember extends MemberBase {
  kind: 'computed-entry';
  /** The Concat that builds the shape vector, and which of its inputs is the entry. */
  inputIndex: number;
  segments: Segment[];
  block: number;
  unit: number;
  inferred: boolean;
  /** The entry keeps this value whatever is pruned (head_dim computed as embed_dim / heads: it must not follow the embedding width). */
  fixed?: number;
  /** Shape of the replacing constant (default [1], one entry of a shape vector). */
  dims?: number[];
  /** Other channels the computed entry reads (embed_dim from the input's shape): pruning them makes it a constant too. */
  alsoWhen?: Segment[];
}

export type Member = SliceMember | GroupedInMember | GroupAttrMember | SplitMember | SliceRangeMember | ShapeEntryMember | ComputedEntryMember;

/** A member as listed for people (CLI, UI). */
export interface MemberSummary {
  node: string;
  role: string;
}

/** Channels that must be pruned together. */
export interface ChannelGroup {
  /** Stable id: the node id of the group's first producer in topological order. */
  id: string;
  channels: number;
  spaces: number[];
  members: MemberSummary[];
  prunable: boolean;
  barriers: string[];
  /** Some op normalises across these channels (LayerNorm): pruning is not a pure channel removal. */
  channelStatistics: boolean;
  /** Grouped convolutions need the same number of channels kept in each of `blocks` contiguous blocks (1: no constraint). */
  blocks: number;
  /** Channels are removed in contiguous units of this many (attention heads: head_dim; 1: any channel). */
  unit: number;
}
