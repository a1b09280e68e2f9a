import { describe, expect, it } from 'vitest';
import { PALETTES } from './architecture-svg';
import { emptySweep, sweepSeries, type SweepPoint } from './tradeoffs-data';
import { tradeoffsChart } from './tradeoffs-svg';
import { toSvgString } from './svg-tree';

const series = sweepSeries([{ id: 'l1', name: 'Weight L1' }], ['uniform']);
const base = { width: 900, height: 500, fontSize: 15, palette: PALETTES.light, interactive: true };
const point = (target: number, macsKept: number, accuracy: number): SweepPoint => ({
  series: series[0]!.id, target, macsKept, accuracy, agreement: 0.9, latencyMs: 0.4, params: 1000, met: true, seconds: 2,
  plan: { ratios: {}, roundTo: 1, criterion: 'l1' },
});

describe('tradeoffsChart', () => {
  it('draws its frame before any point: legend, both panels and the targets’ MACs axis', () => {
    // The page draws this frame as the tab opens, so a sweep's first point needs no new fonts (see tradeoffs-panel.tsx).
    const svg = toSvgString(tradeoffsChart(emptySweep(series, [90, 60, 30], 'none'), base));
    expect(svg).toContain('Weight L1 · uniform');
    expect(svg).toContain('Accuracy, or agreement on unlabelled images (higher is better)');
    expect(svg).toContain('Latency per image (median, lower is better)');
    expect(svg).toContain('Each point appears here once validated');
    expect(svg).toContain('>20 %<'); // the axis reaches below the lowest target (30 %)
    expect(svg).toContain('aria-label="Trade-offs: no point yet, 3 to validate in 1 series"');
    expect(svg).not.toContain('data-point');
  });

  it('draws each point as a button once there are points, without the frame’s note', () => {
    const sweep = { ...emptySweep(series, [90, 60], 'none'), points: [point(0.9, 0.89, 0.91), point(0.6, 0.58, 0.85)], baseline: { accuracy: 0.92, latencyMs: 0.6 } };
    const svg = toSvgString(tradeoffsChart(sweep, base));
    expect(svg.match(/data-point="/g)).toHaveLength(2);
    expect(svg).toContain('Accuracy (higher is better)');
    expect(svg).not.toContain('Each point appears here');
  });
});
