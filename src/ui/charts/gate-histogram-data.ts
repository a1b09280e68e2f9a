// The live gate histogram as bars and words: pure, so the chart and its tests share it. The gates
// start at 0.9 and, as GDP polarises them, pile up at 0 (removed) and 1 (kept): the share left in
// (0.05, 0.95) is the one number that says how decided they are. Per group, the kept channels as
// "before → after" rows, as the graph's labels show them.
import type { GateHistogram } from '../../core/train/gates';
import type { GroupSummary } from '../../workers/protocol';

export interface HistogramBar {
  /** Bin range over [0, 1]. */
  from: number;
  to: number;
  count: number;
  /** Share of all gates in this bin. */
  share: number;
  /** The bin lies inside (0.05, 0.95): an undecided gate. */
  undecided: boolean;
}

/** One bar per bin. */
export function histogramBars(h: Pick<GateHistogram, 'bins' | 'counts' | 'total'>): HistogramBar[] {
  return h.counts.map((count, i) => {
    const from = i / h.bins;
    const to = (i + 1) / h.bins;
    return { from, to, count, share: h.total ? count / h.total : 0, undecided: from >= 0.05 && to <= 0.95 };
  });
}

/** "3.2 % undecided (in 0.05–0.95)". */
export function undecidedText(h: Pick<GateHistogram, 'undecided'>): string {
  const pct = h.undecided * 100;
  return `${pct < 10 && pct > 0 ? pct.toFixed(1) : Math.round(pct)} % undecided (gates in 0.05–0.95)`;
}

export interface GroupWidth {
  id: string;
  label: string;
  channels: number;
  kept: number;
}

/** Kept channels per prunable group in graph order (groups without an entry keep all). */
export function groupWidths(groups: readonly GroupSummary[], kept: Readonly<Record<string, readonly number[]>>): GroupWidth[] {
  return groups.filter((g) => g.prunable).map((g) => ({ id: g.id, label: g.label, channels: g.channels, kept: kept[g.id]?.length ?? g.channels }));
}
