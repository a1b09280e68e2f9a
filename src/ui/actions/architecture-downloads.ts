// Downloads of the architecture chart (PNG, SVG) and of the HTML report. The chart files are drawn
// at a slide-sized 1600×900 from the same SVG tree the page shows; the PNG is that SVG rasterised
// in the page at 2× (no server, no fonts fetched: system fonts only).
import { architectureChart, PALETTES } from '../charts/architecture-svg';
import { architectureData } from '../charts/architecture-data';
import { toSvgString } from '../charts/svg-tree';
import { resolvedTheme } from '../hooks/use-theme';
import { reportHtml } from '../report/report-html';
import { reportInput } from '../report/report-input';
import { useStudio } from '../store/store';
import { downloadBytes } from './download';
import { headlinePercent } from './export';

export const EXPORT_SIZE = { width: 1600, height: 900 };

const s = () => useStudio.getState();

/** "fmnist-resnet8.onnx" → "fmnist-resnet8.pruned-50" (the Export tab's naming). */
function baseName(): string {
  return `${(s().summary?.fileName ?? 'model.onnx').replace(/\.onnx$/i, '')}.pruned-${Math.round(headlinePercent())}`;
}

/** The chart as a standalone SVG file, in the theme on screen; undefined before the plan is costed. */
export function architectureSvgFile(largeText: boolean): string | undefined {
  const { summary, groups, cost } = s();
  if (!summary || !groups || !cost?.layers) return undefined;
  const tree = architectureChart(architectureData(summary, groups, cost), {
    ...EXPORT_SIZE, fontSize: largeText ? 28 : 21, palette: PALETTES[resolvedTheme(s().theme)], idPrefix: 'arch',
    title: `Pruned architecture — ${summary.fileName}`, standalone: true,
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${toSvgString(tree)}\n`;
}

export function downloadArchitectureSvg(largeText: boolean): void {
  const svg = architectureSvgFile(largeText);
  if (svg) downloadBytes(svg, `${baseName()}.architecture.svg`, 'image/svg+xml');
}

/** Rasterises an SVG string at `scale` × its size. */
export async function svgToPng(svg: string, width: number, height: number, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image(width, height);
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = width * scale;
    canvas.height = height * scale;
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('This browser gave no 2D canvas to draw the PNG on; download the SVG instead.');
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('The browser could not encode the PNG; download the SVG instead.'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

export async function downloadArchitecturePng(largeText: boolean): Promise<void> {
  const svg = architectureSvgFile(largeText);
  if (!svg) return;
  downloadBytes(await svgToPng(svg, EXPORT_SIZE.width, EXPORT_SIZE.height), `${baseName()}.architecture.png`, 'image/png');
}

/** Writes the HTML report; returns why it cannot yet (no cost, no model), or undefined when saved. */
export function downloadReport(): string | undefined {
  const input = reportInput(s());
  if ('missing' in input) return input.missing;
  downloadBytes(reportHtml(input), `${baseName()}.report.html`, 'text/html');
  return undefined;
}
