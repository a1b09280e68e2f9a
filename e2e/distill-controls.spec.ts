// Training the user watches and steers, on the production build: the live curve draws a point per
// epoch, Pause really stops the worker (no step for seconds) and Resume goes on, Cancel keeps the
// best epoch and validation and export use that model, and the user's own unlabelled images
// (Fashion-MNIST training images the demo never saw, as PNG files) change what trains.
import { existsSync } from 'node:fs';
import type { Page, TestInfo } from '@playwright/test';
import { expect, test } from './helpers/test';
import { FMNIST, fashionMnistPngs } from './helpers/fashion-mnist';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';


const chart = (page: Page) => page.getByTestId('training-chart');

/** The curve (or `target`) as the side panel shows it (it scrolls: a page shot would miss it). */
async function panelShot(page: Page, testInfo: TestInfo, name: string, target = chart(page)): Promise<void> {
  const file = testInfo.outputPath(`panel-${name}.png`);
  await target.scrollIntoViewIfNeeded();
  await target.screenshot({ path: file });
  await testInfo.attach(`panel-${name}`, { path: file, contentType: 'image/png' });
}
const steps = async (page: Page) => Number(await chart(page).getAttribute('data-steps'));

async function pruneDemo(page: Page, studio: StudioPage, panels: PanelsPage): Promise<void> {
  await studio.goto({ demo: true });
  await studio.expectGraph();
  await panels.openTab('Heatmaps');
  await panels.expectScored();
  await panels.setGlobalUniform(50);
}

test('live curve, pause really stops, cancel keeps the best epoch for validation and export', async ({ page }, testInfo) => {
  test.setTimeout(300_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await pruneDemo(page, studio, panels);
  await panels.validateOnBundledSamples();
  const klCell = page.getByTestId('validation-results').getByRole('row', { name: /KL\(original‖pruned\)/ }).getByRole('cell').nth(2);
  const klPruned = parseFloat(await klCell.innerText());

  await panels.chooseRecovery(/^Distil/);
  await page.getByRole('spinbutton', { name: 'Epochs' }).fill('8');
  await page.getByRole('spinbutton', { name: 'Learning rate' }).fill('0.003');
  await expect(page.getByTestId('training-image-count')).toContainText('512 images will train');
  await expect(page.getByTestId('training-backend')).toContainText('WASM');
  await page.getByRole('button', { name: 'Validate original vs pruned' }).click();

  // The curve draws as it trains: steps first, then a held-out point per epoch (the start is epoch 0).
  await expect.poll(() => steps(page), { timeout: 120_000 }).toBeGreaterThan(2);
  // Threads follow runtime/wasm-threads.ts: 1 on a 2-core machine, cores − 1 (up to 4) on bigger ones.
  await expect(page.getByTestId('training-backend')).toContainText(/WASM \(onnxruntime-web, \d+ threads?\)/);
  await page.getByRole('button', { name: /Pause/ }).click();
  await expect(page.getByTestId('training-state')).toContainText('Paused at step');
  const pausedAt = await steps(page);
  const message = await page.getByRole('status').filter({ has: page.getByLabel('Validation progress') }).innerText();
  // Paused: for four seconds no step runs (the worker awaits the gate) and the progress text stands still.
  await page.waitForTimeout(4000);
  expect(await steps(page)).toBe(pausedAt);
  expect(await page.getByRole('status').filter({ has: page.getByLabel('Validation progress') }).innerText()).toBe(message);
  await studio.screenshot('training-paused');
  await panelShot(page, testInfo, 'paused');
  await page.getByRole('button', { name: /Resume/ }).click();
  await expect.poll(() => steps(page), { timeout: 60_000 }).toBeGreaterThan(pausedAt);

  // Two epochs done, then cancel: the best epoch so far is kept.
  await expect(chart(page).getByTestId('held-out-point')).toHaveCount(3, { timeout: 180_000 });
  await expect(chart(page).getByTestId('agreement-point')).toHaveCount(3);
  await page.getByRole('button', { name: /Cancel training/ }).click();
  await expect(panels.recoveryRow.getByRole('cell').nth(2)).toHaveText('distillation', { timeout: 120_000 });
  const note = await page.getByTestId('recovery-note').innerText();
  const kept = /kept the best parameters so far \(epoch (\d+)\)/.exec(note);
  expect(kept, note).not.toBeNull();
  expect(note).toMatch(/cancelled in epoch [3-8]/);
  await expect(chart(page).getByTestId('best-epoch')).toHaveAttribute('data-epoch', kept![1]!);
  await expect(page.getByTestId('training-state')).toContainText(`use the best model it reached (epoch ${kept![1]})`);
  const drawn = await chart(page).getByTestId('held-out-point').count();
  expect(drawn).toBeGreaterThanOrEqual(3);
  expect(drawn).toBeLessThan(9);
  const klDistilled = parseFloat(await klCell.innerText());
  const description = `pruned ${klPruned}, distilled then cancelled (kept epoch ${kept![1]}) ${klDistilled}; ${note}`;
  testInfo.annotations.push({ type: 'kl', description });
  console.log(`KL on the validation samples: ${description}`);
  console.log(`Held-out points: ${(await chart(page).getByTestId('held-out-point').locator('title').allTextContents()).join('; ')}`);
  expect(klDistilled).toBeLessThan(klPruned);
  await studio.screenshot('training-cancelled');
  await panelShot(page, testInfo, 'cancelled');

  // Export writes the same kept model (no new training run) and the curve is still there.
  await panels.openTab('Export');
  await expect(chart(page)).toBeVisible();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: /^Download .*\.onnx$/ }).click();
  await download;
  await expect(page.getByRole('status').filter({ hasText: /^Saved/ })).toContainText(`kept the best parameters so far (epoch ${kept![1]})`);
  await studio.screenshot('export-after-cancel');
  await panelShot(page, testInfo, 'export');

  // Enlarged for a projector.
  await page.getByRole('button', { name: /Enlarge the curve/ }).click();
  await expect(page.getByTestId('training-chart-large').getByTestId('held-out-point')).toHaveCount(drawn);
  await studio.screenshot('curve-enlarged');
  await page.getByRole('dialog', { name: /Training curve/ }).getByRole('button', { name: 'Close' }).click();

  // A plan change retires the curve.
  await panels.setGlobalUniform(40);
  await panels.openTab('Validate');
  await expect(chart(page)).toHaveCount(0);
});

test('your own images: the count follows, and training uses them', async ({ page }, testInfo) => {
  test.skip(!existsSync(FMNIST), `needs Fashion-MNIST training images at ${FMNIST}`);
  test.setTimeout(240_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await pruneDemo(page, studio, panels);
  await panels.openTab('Validate');
  await page.getByRole('button', { name: 'Use bundled samples' }).click();
  await panels.chooseRecovery(/^Distil/);
  const count = page.getByTestId('training-image-count');
  await expect(count).toContainText('512 images will train');
  await page.getByLabel('Add training images').setInputFiles(fashionMnistPngs(30_000, 200));
  await expect(count).toContainText('712 images will train (512 bundled calibration images + 200 of yours');
  // Picking the same files again adds nothing; files that are not images are refused by name.
  await page.getByLabel('Add training images').setInputFiles(fashionMnistPngs(30_000, 20));
  await expect(count).toContainText('712 images will train');
  await page.getByLabel('Add training images').setInputFiles([{ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') }]);
  await expect(page.getByRole('alert')).toContainText('None of the 1 chosen files is a PNG or JPEG image');
  await page.getByLabel('also the bundled images').uncheck();
  await expect(count).toContainText('200 images will train (200 of yours; 20 of them held out');
  await studio.screenshot('own-images');
  await panelShot(page, testInfo, 'own-images', page.getByTestId('training-panel'));

  // Train one epoch on them alone: the summary names 180 training images (200 minus the held-out 20).
  await page.getByRole('spinbutton', { name: 'Epochs' }).fill('1');
  await page.getByRole('button', { name: 'Validate original vs pruned' }).click();
  await expect(panels.recoveryRow.getByRole('cell').nth(2)).toHaveText('distillation', { timeout: 180_000 });
  await expect(page.getByTestId('recovery-note')).toContainText(/distilled 1 epochs on 180 images/);
  await expect(chart(page).getByTestId('held-out-point')).toHaveCount(2);
  await panelShot(page, testInfo, 'own-images-trained');

  // A file named .png that is not one is named in the error, with what to do.
  await page.getByLabel('Add training images').setInputFiles([{ name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('not a png') }]);
  await page.getByRole('button', { name: 'Validate original vs pruned' }).click();
  const failure = page.getByRole('alert').filter({ hasText: 'broken.png' });
  await expect(failure).toContainText('Could not read a recovery image', { timeout: 60_000 });
  await expect(failure).toContainText('Remove that file');
});
