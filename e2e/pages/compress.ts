// Page object for the Rank (low rank) and Sparsity tabs.
import { readFileSync } from 'node:fs';
import { expect, type Download, type Locator, type Page, type TestInfo } from '@playwright/test';

export class CompressPage {
  readonly spectrum: Locator;
  readonly rankSlider: Locator;
  readonly rankValue: Locator;
  readonly energyRow: Locator;
  readonly layerMacsRow: Locator;
  readonly layerPicker: Locator;
  readonly rankTotals: Locator;
  readonly rankLayers: Locator;
  readonly heatmap: Locator;
  readonly sparsitySummary: Locator;

  constructor(readonly page: Page) {
    this.spectrum = page.getByTestId('spectrum-chart');
    this.rankSlider = page.getByRole('slider', { name: 'Rank of the layer' });
    this.rankValue = page.getByTestId('rank-value');
    this.energyRow = page.getByTestId('energy-row');
    this.layerMacsRow = page.getByTestId('layer-macs-row');
    this.layerPicker = page.getByLabel('Layer to factorise');
    this.rankTotals = page.getByTestId('rank-totals');
    this.rankLayers = page.getByTestId('rank-layers');
    this.heatmap = page.getByTestId('sparsity-heatmap');
    this.sparsitySummary = page.getByTestId('sparsity-summary');
  }

  async openTab(title: 'Rank' | 'Sparsity'): Promise<void> {
    await this.page.getByRole('tab', { name: title, exact: true }).click();
    await expect(this.page.getByRole('tab', { name: title, exact: true })).toHaveAttribute('aria-selected', 'true');
  }

  /** Opens the Rank tab and waits for the spectra of the layers. */
  async openRank(): Promise<void> {
    await this.openTab('Rank');
    await expect(this.spectrum).toBeVisible({ timeout: 60_000 });
  }

  /** Sets every layer's rank from the global control ("energy" per layer, or the model's "macs"). */
  async applyTarget(kind: 'energy' | 'macs', percent: number): Promise<void> {
    await this.page.getByLabel('Rank target', { exact: true }).selectOption(kind === 'energy' ? 'energy' : 'keep-macs');
    await this.page.getByLabel('Rank target percent').fill(String(percent));
    await this.page.getByRole('button', { name: 'Apply to all layers' }).click();
  }

  /** Rows of the per-layer table that have a rank (not "dense"). */
  factorisedRows(): Locator {
    return this.rankLayers.locator('tbody tr').filter({ hasNotText: /dense/ });
  }

  /** Clicks the Export tab's "Download plan JSON" (version 2 with the Rank/Sparsity choices) and returns it. */
  async downloadPlan(): Promise<Download> {
    await this.page.getByRole('tab', { name: 'Export', exact: true }).click();
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByRole('button', { name: 'Download plan JSON' }).click()]);
    return download;
  }

  /** Downloads the plan JSON and returns its text, saved beside the test's outputs for a look afterwards. */
  async planText(testInfo: TestInfo): Promise<string> {
    const download = await this.downloadPlan();
    const file = testInfo.outputPath(download.suggestedFilename());
    await download.saveAs(file);
    return readFileSync(file, 'utf8');
  }

  /** Clicks the Export tab's download (its name carries ".lowrank" / ".sparse-…") and returns it. */
  async download(): Promise<Download> {
    await this.page.getByRole('tab', { name: 'Export', exact: true }).click();
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      this.page.getByRole('button', { name: /^Download .*\.pruned-\d+(\.lowrank)?(\.sparse-[\dof]+)?(\.fp16)?\.onnx$/ }).click(),
    ]);
    return download;
  }
}
