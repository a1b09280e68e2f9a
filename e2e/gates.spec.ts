// Learn with gates in the studio (GDP, core/train/gates.ts, what `prune --criterion gates` runs):
// on the demo with 256 of the user's own unlabelled images and the default 3 epochs (gates, then the least-squares refit), the live gate histogram and
// kept channels update as it trains (the graph's "before → after" labels follow them), the run ends
// in an ordinary plan (criterion "Learnt gates") that Validate and Export serve as the learnt model,
// and the download runs in onnxruntime-node. Then a second run is paused (no step while paused),
// resumed and cancelled mid-way: the best gates so far are pruned, refit and installed, and the
// session goes on (validation runs on them).
import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { decodeModel } from '../src/core/onnx/codec';
import { expect, test } from './helpers/test';
import { FMNIST, fashionMnistPngs } from './helpers/fashion-mnist';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';


/** A part of the side panel as it shows (it scrolls: a page shot would miss it). */
async function panelShot(page: Page, testInfo: TestInfo, name: string, target: Locator): Promise<void> {
  const file = testInfo.outputPath(`panel-${name}.png`);
  await target.scrollIntoViewIfNeeded();
  await target.screenshot({ path: file });
  await testInfo.attach(`panel-${name}`, { path: file, contentType: 'image/png' });
}

const histogram = (page: Page) => page.getByTestId('gate-histogram');
const running = (page: Page) => page.getByRole('group', { name: 'Gates training controls' });
/** The graph's channel lines that show a plan ("16 → 9"), as [before, after]. */
async function thinned(page: Page): Promise<[number, number][]> {
  const texts = await page.locator('.node-channels').allTextContents();
  return texts.flatMap((t) => {
    const m = /^(\d+) → (\d+)$/.exec(t.trim());
    return m ? [[Number(m[1]), Number(m[2])] as [number, number]] : [];
  });
}

test('learn with gates: live histogram and widths, the learnt plan on the graph, validate, export runs in onnxruntime-node; cancel keeps the session', async ({ page }, testInfo) => {
  test.skip(!existsSync(FMNIST), `needs Fashion-MNIST training images at ${FMNIST}`);
  test.setTimeout(420_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await studio.goto({ demo: true });
  await studio.expectGraph();
  expect(await thinned(page)).toEqual([]);

  await panels.openTab('Ratios');
  await page.getByLabel('Global mode').selectOption('gates');
  await page.getByLabel('Global target').fill('0.5');
  const gates = page.getByTestId('gates-panel');
  await expect(gates).toContainText('keep 50 % of the MACs');
  await expect(page.getByRole('button', { name: 'Apply', exact: true })).toHaveCount(0);
  await gates.getByLabel('Add training images').setInputFiles(fashionMnistPngs(40_000, 256));
  await gates.getByLabel('also the bundled images').uncheck();
  await expect(gates.getByTestId('training-image-count')).toContainText('256 images will train (256 of yours; 26 of them held out');
  await expect(gates.getByRole('spinbutton', { name: 'Gates epochs' })).toHaveValue('3');
  const started = Date.now();
  await gates.getByRole('button', { name: /Learn with gates/ }).click();

  // Live: the histogram is redrawn as steps go (its step changes), the kept channels show on the graph.
  const seen = new Set<string>();
  await expect.poll(async () => {
    const step = await histogram(page).getAttribute('data-step').catch(() => null);
    if (step) seen.add(step);
    return seen.size;
  }, { timeout: 180_000, intervals: [200] }).toBeGreaterThanOrEqual(2);
  await studio.screenshot('gates-training');
  await panelShot(page, testInfo, 'training-histogram', histogram(page));
  // As gates fall below ½ while it trains, the graph's labels follow the live kept channels (before the plan is installed).
  let liveGraph: { step: string | null; labels: [number, number][]; kept: string } | undefined;
  await expect.poll(async () => {
    if (!(await running(page).isVisible())) return 'ended';
    const labels = await thinned(page);
    if (labels.some(([before, after]) => after < before) && (await running(page).isVisible())) {
      liveGraph = { step: await histogram(page).getAttribute('data-step'), labels, kept: await page.getByTestId('gates-macs').innerText() };
      return 'live';
    }
    return 'waiting';
  }, { timeout: 300_000, intervals: [250] }).not.toBe('waiting');
  expect(liveGraph, 'the graph showed the live kept channels while training').toBeDefined();
  testInfo.annotations.push({ type: 'live', description: `histogram steps seen: ${[...seen].join(', ')}; graph thinned live at step ${liveGraph!.step}: ${liveGraph!.kept}` });
  await studio.screenshot('gates-training-live-graph');

  // The end: an ordinary plan with criterion "gates", the graph says "N → M", the MACs near the target.
  await expect(page.getByTestId('gates-summary')).toContainText(/learnt with gates: \d+ of \d+ gates at 0, [\d.]+ % of the MACs kept \(target 50\.0 %\)/, { timeout: 300_000 });
  const seconds = (Date.now() - started) / 1000;
  await expect(running(page)).toHaveCount(0);
  await expect(page.getByTestId('gates-state')).toContainText('Done: the learnt plan is the current plan');
  const zero = Number(await histogram(page).getAttribute('data-zero'));
  expect(zero).toBeGreaterThan(0);
  // Polarised: just before the budget was forced, few gates were left between 0.05 and 0.95 (measured 9.8 %; at the start all 100 %).
  const before = /([\d.]+) % undecided/.exec(await gates.getByTestId('gates-before-forcing').innerText());
  expect(Number(before![1])).toBeLessThan(30);
  await expect.poll(async () => (await thinned(page)).some(([before, after]) => after < before)).toBe(true);
  const widths = await gates.getByTestId('gate-width').allTextContents();
  expect(widths.some((w) => /(\d+) → (\d+)/.test(w))).toBe(true);
  await expect(page.getByLabel('Round channels to')).toHaveValue('1');
  const macs = page.getByTestId('plan-cost').getByRole('row', { name: /MACs/ });
  await expect(macs).toContainText(/−[4-5]\d(\.\d)? %|-[4-5]\d(\.\d)? %/);
  const summary = await page.getByTestId('gates-summary').innerText();
  testInfo.annotations.push({ type: 'gates', description: `${seconds.toFixed(0)} s: ${summary}` });
  console.log(`Learn with gates (${seconds.toFixed(0)} s): ${summary}; MACs row: ${await macs.innerText()}`);
  await studio.screenshot('gates-done');
  await panelShot(page, testInfo, 'done-histogram', histogram(page));
  await panelShot(page, testInfo, 'done-widths', gates.getByTestId('gate-widths'));
  await panelShot(page, testInfo, 'done-curve', gates.getByTestId('training-chart'));
  // Enlarged for a projector: the histogram and the curve side by side.
  await gates.getByRole('button', { name: /Enlarge/ }).click();
  await expect(page.getByTestId('gates-chart-large')).toBeVisible();
  await studio.screenshot('gates-enlarged');
  await page.getByRole('dialog', { name: /Gates training, enlarged/ }).getByRole('button', { name: 'Close' }).click();
  await panels.openTab('Heatmaps');
  await expect(panels.criterion).toHaveValue('gates');
  await studio.screenshot('gates-heatmap');

  // Validate and export serve the learnt model (the recovery choice does not apply to it).
  await panels.validateOnBundledSamples();
  await expect(page.getByTestId('recovery-note')).toContainText('learnt with gates');
  const [accOriginal, accGates] = await panels.accuracies();
  console.log(`Validation on the bundled samples: original ${accOriginal}, learnt with gates ${accGates}`);
  testInfo.annotations.push({ type: 'accuracy', description: `original ${accOriginal}, gates ${accGates}` });
  await expect(page.getByTestId('learnt-plan-note')).toBeVisible();
  await panelShot(page, testInfo, 'validated', panels.validationResults);
  const download = await panels.downloadPruned();
  const file = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(file);
  await expect(page.getByRole('status').filter({ hasText: /^Saved/ })).toContainText('learnt with gates');
  await studio.screenshot('gates-exported');
  const bytes = new Uint8Array(readFileSync(file));
  const graph = decodeModel(bytes, 'gates.onnx').graph!;
  const weights = new Set(graph.initializer.map((t) => t.name));
  const input = graph.input.find((i) => !weights.has(i.name))!;
  const dims = input.type!.tensorType!.shape!.dim.map((d) => (d.dimValue && Number(d.dimValue) > 0 ? Number(d.dimValue) : 1));
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [input.name]: new ort.Tensor('float32', Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => Math.random()), dims) });
  const logits = out[session.outputNames[0]!]!.data as Float32Array;
  expect(logits.length).toBe(10);
  expect(Array.from(logits).every(Number.isFinite)).toBe(true);
  await session.release();

  // A second run, cancelled once the histogram moves: the best gates so far are pruned and installed.
  await panels.openTab('Ratios');
  await page.getByLabel('Global target').fill('0.4');
  await gates.getByRole('spinbutton', { name: 'Gates epochs' }).fill('6');
  await gates.getByRole('button', { name: /Learn with gates/ }).click();
  await expect(running(page)).toBeVisible();
  await expect.poll(async () => Number(await histogram(page).getAttribute('data-step').catch(() => '0')), { timeout: 180_000, intervals: [200] }).toBeGreaterThanOrEqual(4);
  // Pause really holds: no step for three seconds; Resume goes on.
  await gates.getByRole('button', { name: /Pause/ }).click();
  await expect(page.getByTestId('gates-state')).toContainText('Paused: nothing is computing.', { timeout: 60_000 });
  const pausedAt = await histogram(page).getAttribute('data-step');
  const pausedSteps = await gates.getByTestId('training-chart').getAttribute('data-steps');
  await page.waitForTimeout(3000);
  expect(await histogram(page).getAttribute('data-step')).toBe(pausedAt);
  expect(await gates.getByTestId('training-chart').getAttribute('data-steps')).toBe(pausedSteps);
  await panelShot(page, testInfo, 'paused', page.getByTestId('gates-state'));
  await gates.getByRole('button', { name: /Resume/ }).click();
  await expect.poll(async () => Number(await histogram(page).getAttribute('data-step')), { timeout: 120_000, intervals: [200] }).toBeGreaterThan(Number(pausedAt));
  await page.getByRole('button', { name: /Cancel training/ }).click();
  await expect(page.getByTestId('gates-state')).toContainText('Stopping');
  await expect(page.getByTestId('gates-summary')).toContainText('training cancelled: the best gates so far were used', { timeout: 180_000 });
  await expect(page.getByTestId('gates-summary')).toContainText('target 60.0 %');
  await panelShot(page, testInfo, 'cancelled-histogram', histogram(page));
  await panels.openTab('Validate');
  await page.getByRole('button', { name: 'Validate original vs pruned' }).click();
  await expect(page.getByTestId('recovery-note')).toContainText('training cancelled', { timeout: 120_000 });
  const [, accCancelled] = await panels.accuracies();
  console.log(`Cancelled run: ${await page.getByTestId('recovery-note').innerText()}; accuracy ${accCancelled}`);
  await studio.screenshot('gates-cancelled-validated');
});
