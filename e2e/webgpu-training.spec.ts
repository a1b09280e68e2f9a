// Distillation on WebGPU must train what WASM trains: the same model pruned 50 %, the same 72 of the
// user's own images (Fashion-MNIST training images the demo never saw), two epochs, once with the
// Validate tab on WASM and once on WebGPU. The training graph (loss head and every weight gradient,
// src/core/score/backward*.ts) runs on the chosen backend; if any gradient rule computed something
// else on WebGPU, the held-out losses after training would part. Where the browser offers no
// adapter the panel must say training fell back to WASM, and training must still happen.
import { existsSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './helpers/test';
import { FMNIST, fashionMnistPngs } from './helpers/fashion-mnist';
import { labelledSubset, openWithAdapter, webGpuLaunchOptions } from './helpers/webgpu';
import { PanelsPage } from './pages/panels';
import { StudioPage } from './pages/studio-page';

test.use({ launchOptions: webGpuLaunchOptions });

/** Held-out loss per epoch (epoch 0 is the start), read from the curve's point titles. */
async function heldOutLosses(page: Page): Promise<number[]> {
  const titles = await page.getByTestId('training-chart').getByTestId('held-out-point').locator('title').allTextContents();
  return titles.map((t) => {
    const m = /held-out loss ([\d.]+)/.exec(t);
    expect(m, t).not.toBeNull();
    return Number(m![1]);
  });
}

/** Validates with distillation on `backend` (after a run whose note was `before`); returns the recovery note and the held-out curve. */
async function distilOn(page: Page, backend: 'WASM' | 'WebGPU', before = ''): Promise<{ note: string; losses: number[]; trainsOn: string }> {
  await page.getByRole('radio', { name: backend }).check();
  await page.getByRole('button', { name: 'Validate original vs pruned' }).click();
  const note = page.getByTestId('recovery-note');
  const failure = page.locator('section[aria-label="Validation"] [role="alert"]');
  // A new backend is a new training run: its curve starts empty, and the note is replaced when it ends.
  await expect.poll(async () => (await failure.count()) > 0 || ((await note.count()) > 0 && (await note.innerText()) !== before), { timeout: 300_000 }).toBe(true);
  await expect(failure, 'validation must not fail').toHaveCount(0);
  await expect(note).toContainText('distilled 2 epochs');
  await expect(page.getByTestId('training-chart').getByTestId('held-out-point')).toHaveCount(3);
  return { note: await note.innerText(), losses: await heldOutLosses(page), trainsOn: await page.getByTestId('training-backend').innerText() };
}

// The demo (Conv, residual Add, GAP, Gemm), the VGG (MaxPool: WebGPU's MaxPool has no Indices output,
// backward-layout.ts) and the ViT (LayerNorm, attention, GELU): where onnxruntime-web's WebGPU kernels
// have parted from WASM before.
for (const model of ['fmnist-resnet8', 'fmnist-vgg', 'fmnist-vit']) {
  test(`distillation on WebGPU trains what WASM trains: ${model}`, async ({ page }, testInfo) => {
    test.skip(!existsSync(FMNIST), `needs Fashion-MNIST training images at ${FMNIST}`);
    test.setTimeout(600_000);
    const studio = new StudioPage(page, testInfo);
    const panels = new PanelsPage(page);
    const adapter = await openWithAdapter(page, studio, testInfo, model === 'fmnist-resnet8' ? undefined : `public/models/${model}.onnx`);
    await panels.openTab('Heatmaps');
    await panels.expectScored();
    await panels.setGlobalUniform(50);

    // Few images everywhere: SwiftShader's WebGPU runs on the CPU.
    await panels.openTab('Validate');
    const folder = testInfo.outputPath('samples-subset');
    const count = labelledSubset(folder, 1);
    await page.getByLabel('Upload a folder of class sub-folders').setInputFiles(folder);
    await expect(page.getByTestId('image-source')).toContainText(`${count} uploaded images`);
    await panels.chooseRecovery(/^Distil/);
    await page.getByRole('spinbutton', { name: 'Epochs' }).fill('2');
    await page.getByRole('spinbutton', { name: 'Learning rate' }).fill('0.003');
    // Training alone (`--recover distill`): after a least-squares refit on these 72 images lr 3e-3 diverges,
    // and a divergence magnifies the backends' rounding past any fair bound.
    await page.getByLabel('least squares first').uncheck();
    await page.getByLabel('Add training images').setInputFiles(fashionMnistPngs(30_000, 72));
    await page.getByLabel('also the bundled images').uncheck();
    await expect(page.getByTestId('training-image-count')).toContainText('72 images will train');

    const wasm = await distilOn(page, 'WASM');
    expect(wasm.trainsOn).toMatch(/WASM \(onnxruntime-web, \d+ threads?\)/);
    expect(wasm.note).toMatch(/ s on WASM/);
    const gpu = await distilOn(page, 'WebGPU', wasm.note);
    const runs = `${model}: WASM ${wasm.losses.join(' → ')} (${wasm.note}); WebGPU ${gpu.losses.join(' → ')} (${gpu.note})`;
    testInfo.annotations.push({ type: 'held-out losses', description: runs });
    console.log(runs);
    await studio.screenshot('distilled-webgpu');
    if (!adapter) {
      // No adapter: said where training ran and why, and it still trained.
      expect(gpu.trainsOn).toMatch(/WASM \(onnxruntime-web, \d+ threads?\): WebGPU was asked for, but/);
      return;
    }
    expect(gpu.trainsOn).toContain('WebGPU (onnxruntime-web)');
    expect(gpu.note).toMatch(/ s on WebGPU/);
    expect(gpu.note).not.toContain('ran on WASM');
    // The start is forward passes only; after two epochs of gradient steps on the same batches
    // (deterministic order and views) the two backends may part only by float32 rounding, which
    // AdamW magnifies where second moments are tiny (measured: within 1 %).
    expect(gpu.losses[0]!).toBeCloseTo(wasm.losses[0]!, 3);
    for (let e = 1; e < 3; e++) expect(Math.abs(gpu.losses[e]! - wasm.losses[e]!) / wasm.losses[e]!).toBeLessThan(0.02);
  });
}

test('Learn with gates trains on WebGPU when validation runs there', async ({ page }, testInfo) => {
  test.skip(!existsSync(FMNIST), `needs Fashion-MNIST training images at ${FMNIST}`);
  test.setTimeout(600_000);
  const studio = new StudioPage(page, testInfo);
  const panels = new PanelsPage(page);
  const adapter = await openWithAdapter(page, studio, testInfo);
  await panels.openTab('Validate');
  await page.getByRole('radio', { name: 'WebGPU' }).check();

  await panels.openTab('Ratios');
  await page.getByLabel('Global mode').selectOption('gates');
  await page.getByLabel('Global target').fill('0.5');
  const gates = page.getByTestId('gates-panel');
  await gates.getByLabel('Add training images').setInputFiles(fashionMnistPngs(40_000, 72));
  await gates.getByLabel('also the bundled images').uncheck();
  await gates.getByRole('spinbutton', { name: 'Gates epochs' }).fill('2');
  await gates.getByRole('button', { name: /Learn with gates/ }).click();
  const summary = page.getByTestId('gates-summary');
  await expect(summary).toContainText(/learnt with gates: \d+ of \d+ gates at 0/, { timeout: 540_000 });
  const text = await summary.innerText();
  testInfo.annotations.push({ type: 'gates', description: text });
  console.log(`Learn with gates on ${adapter ? 'WebGPU' : 'WASM (no adapter)'}: ${text}`);
  await expect(page.getByTestId('gates-state')).toContainText('Done: the learnt plan is the current plan');
  expect(text).toMatch(adapter ? / s on WebGPU/ : / s on WASM/);
  expect(text).not.toContain('ran on WASM');
  await studio.screenshot('gates-webgpu');
});
