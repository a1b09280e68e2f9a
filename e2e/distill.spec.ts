// Distillation in the page: prune the demo, pick "Distil" with 2 epochs, validate on the bundled
// samples: the worker refits by least squares, then trains the pruned model on the bundled calibration images (onnxruntime-web,
// WASM), shows each epoch in the job's progress, and validates the distilled model, which must
// be closer to the unpruned model than the pruned one without recovery.
import { expect, test } from './helpers/test';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';

test('prune 50 % → distil 2 epochs in the page → validated model is closer to the original', async ({ page }, testInfo) => {
  test.setTimeout(240_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  await studio.goto({ demo: true });
  await studio.expectGraph();
  await panels.openTab('Heatmaps');
  await panels.expectScored();
  await panels.setGlobalUniform(50);
  await panels.validateOnBundledSamples();
  const klCell = page.getByTestId('validation-results').getByRole('row', { name: /KL\(original‖pruned\)/ }).getByRole('cell').nth(2);
  const klPruned = parseFloat(await klCell.innerText());

  await panels.chooseRecovery(/^Distil/);
  await page.getByRole('spinbutton', { name: 'Epochs' }).fill('2');
  await page.getByRole('spinbutton', { name: 'Learning rate' }).fill('0.003');
  await panels.openTab('Validate');
  await page.getByRole('button', { name: 'Validate original vs pruned' }).click();
  await expect(page.getByText(/Distill \(WASM\): (start|step|epoch)/).first()).toBeVisible({ timeout: 120_000 });
  await expect(panels.recoveryRow.getByRole('cell').nth(2)).toHaveText('distillation', { timeout: 240_000 });
  await expect(page.getByTestId('recovery-note')).toContainText(/distilled 2 epochs on \d+ images \(best: epoch \d\)/);
  // Least squares first by default (the CLI's --recover lsq,distill): the note gives both steps.
  await expect(page.getByTestId('recovery-note')).toContainText(/lsq on \d+ images: calibration KL [\d.]+ → [\d.]+, then distill on \d+ images/);
  // Uniform 50 % leaves the demo near chance; the refit and two short epochs cannot restore all of
  // it, but the distance to the unpruned model on the (unseen) validation samples must fall clearly.
  const klDistilled = parseFloat(await klCell.innerText());
  testInfo.annotations.push({ type: 'kl', description: `pruned ${klPruned}, pruned + distill (2 epochs) ${klDistilled}` });
  expect(klDistilled).toBeLessThan(klPruned * 0.8);
  await studio.screenshot('distilled');
});
