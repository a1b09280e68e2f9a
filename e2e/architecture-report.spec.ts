// The pruning itself, as a teacher shows and shares it: on the demo, a 50 % uniform plan turns the
// Architecture tab's bars into "before → after" for every MAC layer of the model, a click (or the
// keyboard) on a bar selects its group everywhere, the chart downloads as PNG and self-contained
// SVG, and "Download report" writes one HTML page whose numbers are the UI's.
import { readFileSync } from 'node:fs';
import { decodeModel } from '../src/core/onnx/codec';
import { expectCommitted } from './helpers/committed';
import { expect, test } from './helpers/test';
import { ArchitecturePage } from './pages/architecture';
import { GraphPlanPage } from './pages/graph-plan';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';

const DEMO = 'public/models/fmnist-resnet8.onnx';
const CONV = '/stages/stages.1/conv1/conv1.0/Conv';

test.use({ viewport: { width: 1920, height: 1080 } });

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

test('demo → 50 % → architecture bars before → after, selection, PNG/SVG, HTML report with the UI’s numbers', async ({ page }, testInfo) => {
  expectCommitted(DEMO);
  test.setTimeout(240_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  const plan = new GraphPlanPage(page, studio);
  const arch = new ArchitecturePage(page);
  // The layers the chart must show: every Conv/Gemm/MatMul of the demo file, in file order.
  const macLayers = decodeModel(readFileSync(DEMO), DEMO).graph!.node.filter((n) => ['Conv', 'Gemm', 'MatMul'].includes(n.opType)).map((n) => n.name);
  expect(macLayers.length).toBeGreaterThan(5);

  await studio.goto({ demo: true });
  await studio.expectGraph();
  await arch.open();
  await expect(arch.layers()).toHaveCount(macLayers.length);
  await expect(arch.layers().first()).toHaveAccessibleName(/^Layer 1, Conv \/stem\/stem\.0\/Conv: 16 channels, /);

  await panels.setGlobalUniform(50);
  await expect(panels.planCost).toContainText('−');
  const costCells = async (row: string) => (await panels.planCost.getByRole('row', { name: new RegExp(row) }).getByRole('cell').allInnerTexts()).slice(1);
  const [paramsBefore, paramsAfter, paramsChange] = await costCells('Parameters');
  const [macsBefore, macsAfter, macsChange] = await costCells('MACs');
  await arch.open();
  // Every prunable layer halves, in graph order; the classifier is a barrier and keeps its 10.
  const names = await arch.layers().evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  expect(names.map((n) => n.match(/^Layer \d+, \w+ (.+?): /)![1])).toEqual(macLayers);
  for (const n of names.filter((x) => !x.includes('barrier'))) {
    const [, before, after] = n.match(/: (\d+) → (\d+) channels/)!;
    expect(Number(after), n).toBe(Number(before) / 2);
  }
  expect(names.at(-1)).toMatch(/Gemm \/fc\/Gemm: 10 channels, .* barrier: model output/);
  // The chart's totals are the cost table's.
  await expect(arch.summary).toContainText(`MACs ${macsBefore} → ${macsAfter} (${macsChange})`);
  await studio.screenshot('architecture-50');

  // Hover: the tooltip names the layer with its numbers. Click: its group is selected everywhere.
  await arch.layer(CONV).hover();
  await expect(arch.tooltip).toContainText(CONV);
  await expect(arch.tooltip).toContainText('channels: 32 → 16 (−50.0 %)');
  await studio.screenshot('architecture-tooltip');
  await arch.layer(CONV).click();
  await expect(arch.layer(CONV)).toHaveAttribute('aria-pressed', 'true');
  await expect(studio.node(CONV)).toHaveClass(/\bin-group\b/);
  await panels.openTab('Ratios');
  await expect(plan.ratioRow(CONV)).toHaveAttribute('aria-current', 'true');
  // Keyboard: one tab stop on the selected layer, arrows move, Enter selects.
  await arch.open();
  await arch.layer(CONV).focus();
  await page.keyboard.press('ArrowLeft');
  await expect(arch.layers().nth(macLayers.indexOf(CONV) - 1)).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(arch.layers().nth(macLayers.indexOf(CONV) - 1)).toHaveAttribute('aria-pressed', 'true');
  await expect(arch.layer(CONV)).toHaveAttribute('aria-pressed', 'false');

  // PNG at 2× the 1600×900 figure; SVG self-contained (no URL but its namespace, names inside).
  const png = await arch.download('Download PNG');
  expect(png.suggestedFilename()).toBe('fmnist-resnet8.pruned-50.architecture.png');
  expect(pngSize(readFileSync(await png.path()))).toEqual({ width: 3200, height: 1800 });
  const svgDownload = await arch.download('Download SVG');
  const svg = readFileSync(await svgDownload.path(), 'utf8');
  expect(svg).toMatch(/^<\?xml [^>]+>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  expect(svg.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:|href=/);
  expect(svg.match(/<g data-layer="/g)).toHaveLength(macLayers.length);
  expect(svg).toContain(`<title>Layer ${macLayers.indexOf(CONV) + 1}, Conv ${CONV}: 32 → 16 channels`);

  // Validate, so the report has results; then the report, read as a file and shown in the browser.
  await panels.validateOnBundledSamples();
  const [accOriginal, accPruned] = await panels.accuracies();
  await arch.open();
  await page.getByRole('button', { name: 'Enlarge' }).click();
  await expect(arch.dialog).toBeVisible();
  await expect(arch.dialog.getByRole('button', { name: /^Layer \d+,/ })).toHaveCount(macLayers.length);
  await studio.screenshot('architecture-enlarged');
  await page.keyboard.press('Escape');
  await expect(arch.dialog).toBeHidden();

  const reportDownload = await arch.download('Download report');
  expect(reportDownload.suggestedFilename()).toBe('fmnist-resnet8.pruned-50.report.html');
  const html = readFileSync(await reportDownload.path(), 'utf8');
  expect(html).not.toMatch(/https?:|<script|\s(src|href)=/i);
  await expect(page.getByRole('status').filter({ hasText: 'Report saved' })).toBeVisible();
  const report = await page.context().newPage();
  await report.setContent(html);
  const cells = async (testId: string, row: string) =>
    (await report.getByTestId(testId).getByRole('row', { name: new RegExp(`^${row}`) }).getByRole('cell').allInnerTexts()).slice(1);
  expect(await cells('report-cost', 'Parameters')).toEqual([paramsBefore, paramsAfter, paramsChange]);
  expect(await cells('report-cost', 'MACs')).toEqual([macsBefore, macsAfter, macsChange]);
  expect(await cells('report-validation', 'Accuracy')).toEqual([accOriginal, accPruned]);
  await expect(report.getByText('uniform: 50 % of the channels of every prunable group', { exact: true })).toBeVisible();
  await expect(report.getByTestId('report-groups').getByRole('row', { name: CONV })).toContainText('16 / 32');
  await expect(report.getByTestId('report-layers').getByRole('row')).toHaveCount(macLayers.length + 1);
  await expect(report.getByRole('img', { name: new RegExp(`^Pruned architecture: ${macLayers.length} layers`) })).toBeVisible();
  await report.setViewportSize({ width: 1280, height: 1800 });
  await report.screenshot({ path: testInfo.outputPath('report.png'), fullPage: true });
  await report.close();
});
