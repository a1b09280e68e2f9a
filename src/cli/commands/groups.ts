// `prune-studio groups MODEL [--json]` (also `inspect MODEL --groups`): the channel groups of a
// model: id, channel count, members, and whether they can be pruned (or the barrier reasons).
import { flag, UsageError } from '../args.js';
import { INPUT_SHAPE_OPTION, INPUT_SHAPE_USAGE, inputShapeOptions } from '../input-shape.js';
import { inferShapes, type ShapeOptions } from '../../core/graph/shapes.js';
import { loadModelFile } from '../files.js';
import type { ModelProto } from '../../core/onnx/proto.js';
import { buildGraph } from '../../core/graph/ir.js';
import { analyseChannels, type AnalysisOptions, type ChannelAnalysis } from '../../core/graph/channels/analyse.js';
import type { CliCommand } from './types.js';

/** Reads a model file (and its external-data side files, next to it) or throws an actionable error. */
export async function readModelFile(file: string, cwd: string): Promise<ModelProto> {
  return (await loadModelFile(file, cwd)).model;
}

/** The `--json` form of the groups listing (schemaVersion 1). */
export interface GroupsReport {
  schemaVersion: 1;
  file: string;
  /** `unit`: channels removed together (head_dim for attention heads, else 1); `heads` only for head groups. */
  groups: { id: string; channels: number; prunable: boolean; barriers: string[]; channelStatistics: boolean; blocks: number; unit: number; heads?: number; members: { node: string; role: string }[] }[];
}

/** The groups report of an analysis. */
export function groupsReport(analysis: ChannelAnalysis, file: string): GroupsReport {
  return {
    schemaVersion: 1,
    file,
    groups: analysis.groups.map((g) => ({ id: g.id, channels: g.channels, prunable: g.prunable, barriers: g.barriers, channelStatistics: g.channelStatistics, blocks: g.blocks, unit: g.unit, ...(g.unit > 1 ? { heads: g.channels / g.unit } : {}), members: g.members })),
  };
}

/** Human-readable listing of the groups. */
export function renderGroups(report: GroupsReport): string {
  const prunable = report.groups.filter((g) => g.prunable);
  const lines = [`${report.file}: ${report.groups.length} channel groups, ${prunable.length} prunable (${prunable.reduce((s, g) => s + g.channels, 0)} channels)`, ''];
  for (const g of report.groups) {
    const notes = [g.channelStatistics ? 'normalised across channels' : '', g.blocks > 1 ? `evenly in ${g.blocks} blocks` : '', g.heads ? `${g.heads} heads of ${g.unit}` : ''].filter(Boolean).join(', ');
    const state = g.prunable ? (notes ? `prunable (${notes})` : 'prunable') : 'BARRIER';
    lines.push(`${g.id}  ${g.channels} ch  ${state}`);
    for (const b of g.barriers) lines.push(`    barrier: ${b}`);
    for (const m of g.members) lines.push(`    ${m.role.padEnd(36)} ${m.node}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Prints the groups of a model file (shared by `groups` and `inspect --groups`); `shapeOptions`
 * gives the input shapes to infer with (--input-shape), which lets dynamic-size models resolve.
 */
export async function printGroups(file: string, json: boolean, io: { stdout(t: string): void; cwd: string }, options: AnalysisOptions = {}, shapeOptions: (model: ModelProto) => ShapeOptions = () => ({})): Promise<number> {
  const model = await readModelFile(file, io.cwd);
  const ir = buildGraph(model);
  const report = groupsReport(analyseChannels(ir, inferShapes(ir, shapeOptions(model)), options), file);
  io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : renderGroups(report));
  return 0;
}

export const groupsCommand: CliCommand = {
  summary: 'list channel groups (what can be pruned together, and what cannot and why)',
  usage: [
    'groups MODEL [--json] [--grouped-convs] [--input-shape S]',
    '',
    '  --json            print { schemaVersion, file, groups: [{ id, channels, prunable, barriers, channelStatistics, blocks, unit, heads?, members }] }',
    '  --grouped-convs   grouped convolutions become prunable in equal blocks instead of barriers',
    INPUT_SHAPE_USAGE,
  ].join('\n'),
  valueOptions: [INPUT_SHAPE_OPTION],
  async run(args, io) {
    const file = args.positional[0];
    if (!file) throw new UsageError('groups needs a MODEL path');
    if (args.positional.length > 1) throw new UsageError(`groups takes one MODEL, got ${args.positional.length}`);
    return printGroups(file, flag(args, 'json'), io, { groupedConvolutions: flag(args, 'grouped-convs') }, (model) => inputShapeOptions(args, model));
  },
};
