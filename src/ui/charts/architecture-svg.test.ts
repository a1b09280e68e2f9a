import { describe, expect, it } from 'vitest';
import type { ArchitectureData } from './architecture-data';
import { architectureChart, layerDescription, PALETTES } from './architecture-svg';
import { toSvgString } from './svg-tree';

const data: ArchitectureData = {
  hasPlan: true,
  totals: { channelsBefore: 42, channelsAfter: 30, macsBefore: 3000, macsAfter: 1500 },
  layers: [
    { index: 1, node: 'a', name: '/stem/stem.0/Conv', opType: 'Conv', group: 'g1', prunable: true, channelsBefore: 16, channelsAfter: 8, macsBefore: 2000, macsAfter: 1000 },
    { index: 2, node: 'b', name: '<img src=x onerror=alert(1)>', opType: 'Conv', group: 'g2', prunable: true, channelsBefore: 16, channelsAfter: 12, macsBefore: 900, macsAfter: 450 },
    { index: 3, node: 'c', name: '/fc/Gemm', opType: 'Gemm', group: 'g3', prunable: false, barrier: 'model output', channelsBefore: 10, channelsAfter: 10, macsBefore: 100, macsAfter: 50 },
  ],
};
const base = { width: 900, height: 500, fontSize: 16, palette: PALETTES.light, idPrefix: 't' };

describe('architectureChart', () => {
  it('draws one column per layer with kept and removed channels and MACs before/after, each described', () => {
    const svg = toSvgString(architectureChart(data, { ...base, title: 'Pruned architecture — demo.onnx', standalone: true }));
    expect(svg.match(/data-layer="/g)).toHaveLength(3);
    // Removed channels are hatched; layer 3 (a barrier that keeps all) has no removed part.
    expect(svg.match(/fill="url\(#t-hatch\)"/g)).toHaveLength(2 + 1); // two layers + the legend swatch
    expect(svg).toContain('<title>Layer 1, Conv /stem/stem.0/Conv: 16 → 8 channels, 2.00 k → 1.00 k MACs</title>');
    expect(svg).toContain('Layer 3, Gemm /fc/Gemm: 10 channels, 100 → 50 MACs, barrier: model output');
    expect(svg).toContain('Pruned architecture — demo.onnx');
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/); // self-contained: only the namespace
  });

  it('escapes names read from the model', () => {
    const svg = toSvgString(architectureChart(data, base));
    expect(svg).not.toContain('<img');
    expect(svg).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('on the page: layers are buttons with one tab stop, the selected group is pressed and highlighted', () => {
    const tree = architectureChart(data, { ...base, interactive: true, selectedGroup: 'g2', focusIndex: 1 });
    const svg = toSvgString(tree);
    const buttons = [...svg.matchAll(/<g role="button" tabindex="(-?\d)" aria-label="([^"]*)" aria-pressed="(\w+)"/g)];
    expect(buttons.map((m) => [m[1], m[3]])).toEqual([['-1', 'false'], ['0', 'true'], ['-1', 'false']]);
    expect(buttons[0]![2]).toBe(layerDescription(data.layers[0]!));
    expect(svg).not.toContain('<title>'); // the page shows its own tooltip
    expect(svg).toContain(`stroke="${PALETTES.light.select}"`);
  });

  it('names the layers under the bars when they fit, numbers them when they do not', () => {
    expect(toSvgString(architectureChart(data, base))).toContain('>stem.0</text>');
    const many: ArchitectureData = { ...data, layers: Array.from({ length: 120 }, (_, i) => ({ ...data.layers[0]!, index: i + 1, node: `n${i}` })) };
    const svg = toSvgString(architectureChart(many, { ...base, width: 400 }));
    expect(svg).not.toContain('>stem.0</text>');
    expect(svg).toContain('layer no. (hover a bar for its name)');
  });
});
