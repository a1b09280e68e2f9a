// The pruning panels beyond the main flow, on the small torch fixture: a data criterion scored on
// the calibration images, undo/redo with the keyboard, plan export → import, the sensitivity run
// with its curves, and export with bias-correction recovery, then in fp16.
import { readFileSync, statSync } from 'node:fs';
import { expect, test } from './helpers/test';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';

const FIXTURE = 'e2e/fixtures/small-cnn.onnx';

test('criteria, undo/redo, plan round trip, sensitivity and recovery export', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await studio.openModel(FIXTURE);

  await panels.openTab('Heatmaps');
  await panels.expectScored();
  await panels.criterion.selectOption('act-l2');
  await expect(panels.criterionDescription).toContainText('calibration images');
  await expect(page.getByRole('status').filter({ hasText: /Activation L2|Preprocessing/ })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: /Activation L2|Preprocessing/ })).toBeHidden({ timeout: 120_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);
  await studio.screenshot('activation-criterion');

  // Undo/redo of ratio changes, with the buttons' keyboard shortcuts.
  await panels.setGlobalUniform(50);
  const first = page.getByRole('slider', { name: /^Pruning ratio of / }).first();
  await expect(first).toHaveValue('0.5');
  await first.fill('0.25');
  await expect(first).toHaveValue('0.25');
  await page.locator('body').press('Control+z');
  await expect(first).toHaveValue('0.5');
  await page.locator('body').press('Control+Shift+z');
  await expect(first).toHaveValue('0.25');

  // Plan JSON out, reset, back in.
  await expect(panels.paramsRow()).toContainText(/−[1-9]/);
  const [planDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export plan' }).click()]);
  const planFile = testInfo.outputPath('plan.json');
  await planDownload.saveAs(planFile);
  const plan = JSON.parse(readFileSync(planFile, 'utf8')) as { format: string; groups: Record<string, { keep: number[] }> };
  expect(plan.format).toBe('prune-studio-plan');
  await page.getByRole('button', { name: 'Reset' }).click();
  await expect(first).toHaveValue('0');
  await page.getByLabel('Import plan file').setInputFiles(planFile);
  await expect(page.getByRole('status').filter({ hasText: /Imported \d+ ratios/ })).toBeVisible();
  await expect(first).toHaveValue('0.25');

  // Sensitivity curves.
  await panels.openTab('Sensitivity');
  await page.getByRole('button', { name: 'Run sensitivity' }).click();
  await expect(page.getByTestId('line-chart')).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('line-chart').locator('[data-series]').first()).toBeVisible();
  await studio.screenshot('sensitivity');

  // Export with bias correction on the calibration images.
  await panels.openTab('Export');
  await page.getByRole('radio', { name: /Bias correction/ }).check();
  const download = await panels.downloadPruned();
  expect(download.suggestedFilename()).toMatch(/^small-cnn\.pruned-\d+\.onnx$/);
  await expect(page.getByRole('status').filter({ hasText: /Recovery: bias on \d+ images/ })).toBeVisible();
  await studio.screenshot('export-recovered');

  // The same export in fp16: the name says so, the file is smaller, the note says what was converted.
  const recoveredFile = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(recoveredFile);
  await page.getByRole('checkbox', { name: /fp16 weights/ }).check();
  const half = await panels.downloadPruned();
  expect(half.suggestedFilename()).toMatch(/^small-cnn\.pruned-\d+\.fp16\.onnx$/);
  await expect(page.getByRole('status').filter({ hasText: /Recovery: bias on \d+ images: .+\. fp16: \d+ tensors in fp16\.$/ })).toBeVisible();
  const halfFile = testInfo.outputPath(half.suggestedFilename());
  await half.saveAs(halfFile);
  expect(statSync(halfFile).size).toBeLessThan(statSync(recoveredFile).size * 0.6);
});

test('a model with nothing to prune says so in the Heatmaps tab, with the reasons', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await studio.openModel('tools/fixtures/models/edge-groupnorm-opset18.onnx');
  await panels.openTab('Heatmaps');
  const note = page.getByTestId('nothing-prunable');
  await expect(note).toContainText('Nothing in this model can be pruned: each of its 2 channel groups is a barrier.');
  await expect(note).toContainText('GroupNormalization');
  await expect(note).toContainText('model output');
  await studio.screenshot('nothing-prunable');
});

test('a new validation scrolls its results into view, and each tab keeps its own scroll position', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await studio.openModel(FIXTURE);
  await panels.openTab('Heatmaps');
  await panels.expectScored();
  await panels.setGlobalUniform(30);
  await panels.validateOnBundledSamples();
  // The table lands below the recovery and training controls: it must be on screen without scrolling by hand.
  await expect(panels.validationResults).toBeInViewport();
  const body = page.locator('#side-panel-body');
  const scrollTop = () => body.evaluate((el) => el.scrollTop);
  // The scroll is smooth: wait until it rests.
  await expect.poll(async () => { const a = await scrollTop(); await page.waitForTimeout(250); return a === (await scrollTop()); }).toBe(true);
  // Another tab opens at its top (it once opened half-way down, at Validate's scroll)... The
  // results' place on screen is read and the tab clicked in one task, so no late scroll falls between.
  const resultsTop = () => panels.validationResults.evaluate((el) => Math.round(el.getBoundingClientRect().top));
  const before = await page.evaluate(() => {
    const top = document.querySelector('[data-testid="validation-results"]')!.getBoundingClientRect().top;
    document.querySelector<HTMLElement>('#tab-architecture')!.click();
    return Math.round(top);
  });
  await expect.poll(scrollTop).toBe(0);
  await expect(page.getByRole('tab', { name: 'Architecture' })).toBeInViewport();
  // ... and Validate comes back showing what it showed (its confusion matrix draws a frame later;
  // with the browser's scroll anchoring that shifted the results 168 px up).
  await panels.openTab('Validate');
  await expect.poll(resultsTop).toBe(before);
  await expect(panels.validationResults).toBeInViewport();
});

test('the Rank tab on a model with no float layer says why nothing can be factorised', async ({ page }, testInfo) => {
  const studio = new StudioPage(page, testInfo);
  await studio.openModel('tools/fixtures/models/rsu-fp16.onnx');
  await page.getByRole('tab', { name: 'Rank', exact: true }).click();
  const note = page.getByTestId('nothing-factorisable');
  await expect(note).toContainText('No layer of this model can be factorised:');
  await expect(note).toContainText(/layers: weight is not float32 \(fp16 and quantized weights are not factorised\)/);
});

test('choosing channels for least squares keeps every layer’s width and picks other channels', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await studio.openModel(FIXTURE);
  await panels.openTab('Heatmaps');
  await panels.expectScored();
  await panels.setGlobalUniform(50);
  const exportPlan = async (name: string) => {
    await panels.openTab('Ratios');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export plan' }).click()]);
    const file = testInfo.outputPath(name);
    await download.saveAs(file);
    return (JSON.parse(readFileSync(file, 'utf8')) as { groups: Record<string, { keep: number[] }> }).groups;
  };
  const own = await exportPlan('own-order.json');

  await panels.openTab('Heatmaps');
  await page.getByRole('checkbox', { name: 'Cut the channels least squares best replaces' }).check();
  await expect(page.getByRole('status').filter({ hasText: /ordered by reconstruction/ })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: /Scoring|Preprocessing|Reconstruction/ })).toBeHidden({ timeout: 120_000 });
  await expect(page.getByRole('alert')).toHaveCount(0);
  await expect(panels.channelHeatmap).toContainText('Weight L1, in reconstruction order');
  await studio.screenshot('reconstruction-order');
  // The plan follows the new scores once its cost is recomputed (debounced): other channels, same widths.
  let ordered = own;
  await expect.poll(async () => JSON.stringify((ordered = await exportPlan('reconstruction-order.json'))) !== JSON.stringify(own), { timeout: 30_000 }).toBe(true);
  expect(Object.keys(ordered).sort()).toEqual(Object.keys(own).sort());
  for (const [id, g] of Object.entries(own)) expect(ordered[id]!.keep.length, id).toBe(g.keep.length);
});
