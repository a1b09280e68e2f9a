// Low rank and sparsity in the studio, on the bundled demo: the Rank tab's spectrum and slider (the
// keyboard moves the rank; energy kept and the layer's MACs follow), the graph's selection picking the
// layer, a MACs target over all layers,
// validation of the factorised model (its agreement row and what was applied), the download checked
// in onnxruntime-node (factorised layers present, runs, finite), then 2:4 sparsity: the heatmap, and
// an export in which every eligible layer holds the pattern; the plan JSON (format version 2) of each,
// replayed as `prune --plan` does to the downloaded weights, and imported back into the Rank and
// Sparsity tabs. Screenshots of each step are attached.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { checkNM } from '../src/core/compress/sparsify';
import { LOWRANK_METADATA_KEY } from '../src/core/compress/lowrank';
import { applyPlanCompress } from '../src/core/compress/plan-compress';
import { decodeModel } from '../src/core/onnx/codec';
import type { ModelProto } from '../src/core/onnx/proto';
import { tensorToFloat32 } from '../src/core/onnx/tensor';
import { applyPlan } from '../src/core/prune/apply';
import { parsePlan, type PrunePlan } from '../src/core/prune/plan';
import { expect, test } from './helpers/test';
import { CompressPage } from './pages/compress';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';

const DEMO = 'public/models/fmnist-resnet8.onnx';
const weights = (m: ModelProto) => new Map(m.graph!.initializer.map((t) => [t.name, Array.from(tensorToFloat32(t))]));

/** The plan file replayed on the demo as `prune --plan` does: its channels, then its low rank and sparsity. */
async function replay(plan: PrunePlan): Promise<ModelProto> {
  const original = decodeModel(new Uint8Array(readFileSync(DEMO)), DEMO);
  return (await applyPlanCompress(applyPlan(original, plan), plan)).model;
}

async function runs(bytes: Uint8Array): Promise<void> {
  const session = await ort.InferenceSession.create(bytes);
  const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', Float32Array.from({ length: 28 * 28 }, () => Math.random()), [1, 1, 28, 28]) });
  const logits = Array.from(out[session.outputNames[0]!]!.data as Float32Array);
  expect(logits).toHaveLength(10);
  expect(logits.every(Number.isFinite)).toBe(true);
  await session.release();
}

test('demo → Rank: slider, MACs target → validate → download factorised → 2:4 heatmap → sparse download', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  const compress = new CompressPage(page);
  await studio.goto({ demo: true });
  await studio.expectGraph();

  // One layer's spectrum; the keyboard moves the slider and the read-out follows.
  await compress.openRank();
  await compress.layerPicker.selectOption('/stages/stages.1/conv2/conv2.0/Conv');
  await expect(compress.rankValue).toHaveText('dense');
  await expect(compress.energyRow).toContainText('100.0 %');
  await compress.rankSlider.focus();
  await page.keyboard.press('Home');
  await expect(compress.rankValue).toHaveText('1 / 32');
  const energy1 = await compress.energyRow.innerText();
  const macs1 = await compress.layerMacsRow.innerText();
  for (let i = 0; i < 7; i++) await page.keyboard.press('ArrowRight');
  await expect(compress.rankValue).toHaveText('8 / 32');
  await expect(compress.energyRow).not.toHaveText(energy1);
  await expect(compress.layerMacsRow).not.toHaveText(macs1);
  const pct = (t: string) => parseFloat(/([\d.]+) %/.exec(t)![1]!);
  expect(pct(await compress.energyRow.innerText())).toBeGreaterThan(pct(energy1));
  await expect(compress.layerMacsRow).toContainText('−');
  await compress.layerMacsRow.scrollIntoViewIfNeeded();
  await studio.screenshot('rank-slider');

  // A layer selected in the graph is the one the Rank tab shows (the tab stays in front).
  await compress.rankSlider.blur(); // '/' in a focused input is not the search shortcut
  await studio.searchAndPick('stages.2/conv1/conv1.0/Conv');
  await expect(compress.layerPicker).toHaveValue('/stages/stages.2/conv1/conv1.0/Conv');
  await expect(compress.rankValue).toHaveText('dense');

  // A MACs target over all layers: the model keeps at most 70 % of its MACs.
  await compress.applyTarget('macs', 70);
  await expect(compress.rankTotals).toContainText(/\(−(3\d|[4-9]\d)\.\d %\)/);
  const factorised = await compress.factorisedRows().count();
  expect(factorised).toBeGreaterThan(2);
  await compress.rankTotals.scrollIntoViewIfNeeded();
  await studio.screenshot('rank-target');

  // Validation measures the factorised model.
  await panels.validateOnBundledSamples();
  await expect(panels.validationResults.getByRole('row', { name: /Agreement \(top-1\)/ })).toBeVisible();
  await expect(page.getByTestId('compress-row')).toContainText(`low rank: ${factorised} layers factorised`);
  await panels.validationResults.scrollIntoViewIfNeeded();
  await studio.screenshot('validate-lowrank');

  // Export downloads it: the factorised layers are in the file, which runs in onnxruntime-node.
  const download = await compress.download();
  expect(download.suggestedFilename()).toMatch(/\.pruned-0\.lowrank\.onnx$/);
  const file = testInfo.outputPath(download.suggestedFilename());
  await download.saveAs(file);
  const bytes = new Uint8Array(readFileSync(file));
  const model = decodeModel(bytes, file);
  expect(model.graph!.node.filter((n) => n.name.endsWith('_lowrank'))).toHaveLength(factorised);
  const record = JSON.parse(model.metadataProps.find((p) => p.key === LOWRANK_METADATA_KEY)!.value) as { layers: unknown[] };
  expect(record.layers).toHaveLength(factorised);
  await runs(bytes);
  const saved = page.getByRole('status').filter({ hasText: /^Saved .*lowrank.*Also low rank: \d+ layers factorised/ });
  await expect(saved).toBeVisible();
  await expect(page.getByTestId('export-compress')).toContainText(`low rank on ${factorised} layers`);
  await saved.scrollIntoViewIfNeeded();
  await studio.screenshot('export-lowrank');

  // Its plan (version 2): the ranks applied; replayed, the downloaded weights.
  const planDownload = await compress.downloadPlan();
  expect(planDownload.suggestedFilename()).toMatch(/\.plan-0\.lowrank\.json$/);
  const planFile = testInfo.outputPath(planDownload.suggestedFilename());
  await planDownload.saveAs(planFile);
  const lowrankPlan = parsePlan(JSON.parse(readFileSync(planFile, 'utf8')));
  expect(lowrankPlan.version).toBe(2);
  expect(Object.keys(lowrankPlan.lowrank!.ranks)).toHaveLength(factorised);
  expect(lowrankPlan.sparsity).toBeUndefined();
  expect(weights(await replay(lowrankPlan))).toEqual(weights(model));

  // 2:4 sparsity: the heatmap of zeros per layer and output channel; the first conv (one input channel) stays dense.
  await compress.openRank();
  await page.getByRole('button', { name: 'All dense' }).click();
  await compress.openTab('Sparsity');
  await page.getByLabel('Sparsity pattern').selectOption('2:4');
  await expect(compress.heatmap).toBeVisible({ timeout: 60_000 });
  await expect(compress.sparsitySummary).toContainText(/^\d+\.\d % of the weights of \d+ layers are zero; 1 left dense\.$/);
  expect(Number(await compress.heatmap.getAttribute('data-rows'))).toBeGreaterThan(5);
  await expect(compress.heatmap.locator('.sparsity-dense-row')).toHaveCount(1);
  await page.getByLabel('Sparsify the validated and exported model').check();
  await compress.heatmap.scrollIntoViewIfNeeded();
  await studio.screenshot('sparsity-2of4');

  const sparse = await compress.download();
  expect(sparse.suggestedFilename()).toMatch(/\.pruned-0\.sparse-2of4\.onnx$/);
  const sparseFile = testInfo.outputPath(sparse.suggestedFilename());
  await sparse.saveAs(sparseFile);
  const sparseBytes = new Uint8Array(readFileSync(sparseFile));
  const check = checkNM(decodeModel(sparseBytes, sparseFile), 2, 4).filter((l) => l.eligible);
  expect(check.length).toBeGreaterThan(5);
  expect(check.every((l) => l.ok)).toBe(true);
  await runs(sparseBytes);
  const sparsePlanDownload = await compress.downloadPlan();
  const sparsePlan = parsePlan(JSON.parse(readFileSync(await sparsePlanDownload.path(), 'utf8')));
  expect(sparsePlan).toMatchObject({ version: 2, sparsity: { pattern: '2:4', sparsity: 0.5, scope: 'layer', criterion: 'magnitude' } });
  expect(sparsePlan.lowrank).toBeUndefined();
  expect(weights(await replay(sparsePlan))).toEqual(weights(decodeModel(sparseBytes, sparseFile)));

  // Importing the low-rank plan (Ratios tab) sets the Rank tab's ranks again and turns sparsity off.
  await panels.openTab('Ratios');
  await page.getByLabel('Import plan file').setInputFiles(planFile);
  await expect(page.getByRole('status').filter({ hasText: `Rank and Sparsity tabs: ranks of ${factorised} layers.` })).toBeVisible();
  await panels.openTab('Export');
  await expect(page.getByTestId('export-compress')).toHaveText(`Also applied after pruning: low rank on ${factorised} layers (Rank and Sparsity tabs).`);
  await compress.openRank();
  await expect(compress.factorisedRows()).toHaveCount(factorised);
  await page.getByRole('button', { name: 'All dense' }).click();

  // Unstructured, one cut over all layers: the share of zeros differs by layer and output channel.
  await compress.openTab('Sparsity');
  await page.getByLabel('Sparsity pattern').selectOption('unstructured');
  await page.getByRole('slider', { name: 'Sparsity' }).fill('0.7');
  await expect(compress.sparsitySummary).toContainText(/^70\.0 % of the weights of \d+ layers are zero\.$/);
  // A row selects its layer in the graph (keyboard too).
  const row = compress.heatmap.locator('[data-layer="/stages/stages.2/conv1/conv1.0/Conv"]');
  await row.focus();
  await page.keyboard.press('Enter');
  await expect(row).toHaveAttribute('aria-pressed', 'true');
  await expect(studio.node('/stages/stages.2/conv1/conv1.0/Conv')).toHaveAttribute('aria-pressed', 'true');
  await compress.heatmap.scrollIntoViewIfNeeded();
  await studio.screenshot('sparsity-unstructured-70');
});
