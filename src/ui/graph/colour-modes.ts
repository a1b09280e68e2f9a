// What the graph's box colours mean: op type (the family tokens), or a per-node value painted on a
// sequential scale — the fraction of its channels the plan removes, its group's sensitivity (mean
// metric drop over the sweep) or its channels' mean importance under the current criterion.
// A mode is data: its label, what it says, and how a node's value is read from the plan and results.
import * as d3 from 'd3';
import type { GroupScores, SensitivityResult } from '../../workers/protocol';
import type { PlanOnGraph, TensorChannels } from './channel-plan';

export type ColourMode = 'family' | 'removed' | 'sensitivity' | 'importance';

/** Results a value mode may read. */
export interface ColourInputs {
  plan: PlanOnGraph;
  scores?: GroupScores;
  sensitivity?: SensitivityResult;
}

interface ValueMode {
  label: string;
  /** Legend title. */
  title: string;
  /** Shown instead of a scale when the mode has nothing to paint yet. */
  empty: string;
  interpolate(t: number): string;
  /** Fixed domain (fractions), or undefined to span the values present. */
  domain?: [number, number];
  format(v: number): string;
  /** Per-group value (sensitivity, importance); undefined for per-node modes. */
  groupValues?(inputs: ColourInputs): Map<string, number> | undefined;
  nodeValue?(c: TensorChannels): number;
}

const mean = (values: ArrayLike<number>): number => {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return values.length ? sum / values.length : NaN;
};
const percent = (v: number): string => `${Math.round(v * 100)} %`;

/** The value modes; 'family' uses the op-family colours and the family legend. */
export const VALUE_MODES: Record<Exclude<ColourMode, 'family'>, ValueMode> = {
  removed: {
    label: 'fraction removed',
    title: 'Channels removed by the plan',
    empty: 'No plan yet: set ratios in the Ratios tab.',
    // Light (nothing removed) to dark red (all removed); the pale end stays visible on white.
    interpolate: (t) => d3.interpolateYlOrRd(0.08 + 0.84 * t),
    domain: [0, 1],
    format: percent,
    nodeValue: (c) => (c.before > 0 ? 1 - c.after / c.before : 0),
  },
  sensitivity: {
    label: 'sensitivity',
    title: 'Sensitivity: mean metric drop over the sweep',
    empty: 'No sensitivity curves yet: run the Sensitivity tab.',
    interpolate: (t) => d3.interpolateRdPu(0.1 + 0.85 * t),
    format: percent,
    groupValues: ({ sensitivity }) =>
      sensitivity && new Map(Object.entries(sensitivity.curves).map(([id, drop]) => [id, mean(drop)])),
  },
  importance: {
    label: 'mean importance',
    title: 'Mean channel importance',
    empty: 'No scores yet: open the Heatmaps tab.',
    interpolate: (t) => d3.interpolateViridis(t),
    format: (v) => (Math.abs(v) >= 100 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : v.toPrecision(3)),
    groupValues: ({ scores }) => scores && new Map(Object.entries(scores.scores).map(([id, s]) => [id, mean(s)])),
  },
};

export const COLOUR_MODE_LABELS: [ColourMode, string][] = [
  ['family', 'op type'],
  ...Object.entries(VALUE_MODES).map(([id, m]): [ColourMode, string] => [id as ColourMode, m.label]),
];

/** Node colours and the legend's scale for a value mode; `colours` is empty when nothing is known yet. */
export interface NodeColours {
  colours: Map<string, string>;
  domain: [number, number];
  mode: ValueMode;
}

/** Colours of every node with a value under `mode`. */
export function nodeColours(modeId: Exclude<ColourMode, 'family'>, inputs: ColourInputs): NodeColours {
  const mode = VALUE_MODES[modeId];
  const perGroup = mode.groupValues?.(inputs);
  const values = new Map<string, number>();
  for (const [id, c] of inputs.plan.nodes) {
    let v: number | undefined;
    if (mode.nodeValue) v = mode.nodeValue(c);
    else if (perGroup) {
      const known = c.groups.map((g) => perGroup.get(g)).filter((x): x is number => x !== undefined && Number.isFinite(x));
      v = known.length ? mean(known) : undefined;
    }
    if (v !== undefined) values.set(id, v);
  }
  if (mode.nodeValue && !inputs.plan.hasPlan) values.clear();
  let domain = mode.domain;
  if (!domain) {
    const all = [...values.values()];
    domain = all.length ? [Math.min(...all), Math.max(...all)] : [0, 1];
  }
  const [lo, hi] = domain;
  const colours = new Map<string, string>();
  for (const [id, v] of values) colours.set(id, mode.interpolate(hi > lo ? (v - lo) / (hi - lo) : 0.5));
  return { colours, domain, mode };
}

/** Text colour that stays readable on `background` (dark text on light fills, white on dark). */
export function textOn(background: string): string {
  const rgb = d3.rgb(background);
  const luminance = (0.2126 * rgb.r + 0.7152 * rgb.g + 0.0722 * rgb.b) / 255;
  return Number.isNaN(luminance) || luminance > 0.5 ? '#111' : '#fff';
}
