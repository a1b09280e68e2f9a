// Page object for the pruning panels (side-panel tabs: Heatmaps, Ratios, Sensitivity, Validate, Export).
import { expect, type Download, type Locator, type Page } from '@playwright/test';

export class PanelsPage {
  readonly channelHeatmap: Locator;
  readonly overviewHeatmap: Locator;
  readonly criterion: Locator;
  readonly criterionDescription: Locator;
  readonly planCost: Locator;
  readonly validationResults: Locator;
  readonly activeBackend: Locator;
  /** The results table's row naming the recovery applied to the pruned model. */
  readonly recoveryRow: Locator;

  constructor(readonly page: Page) {
    this.channelHeatmap = page.getByTestId('channel-heatmap');
    this.overviewHeatmap = page.getByTestId('overview-heatmap');
    this.criterion = page.getByLabel('Importance criterion');
    this.criterionDescription = page.getByTestId('criterion-description');
    this.planCost = page.getByTestId('plan-cost');
    this.validationResults = page.getByTestId('validation-results');
    this.activeBackend = page.getByTestId('active-backend');
    this.recoveryRow = page.getByTestId('recovery-row');
  }

  /** Brings a side-panel tab forward. */
  async openTab(title: 'Heatmaps' | 'Ratios' | 'Sensitivity' | 'Validate' | 'Export'): Promise<void> {
    await this.page.getByRole('tab', { name: title }).click();
    await expect(this.page.getByRole('tab', { name: title })).toHaveAttribute('aria-selected', 'true');
  }

  /** Waits for the overview heatmap to have rows (groups analysed and scored). */
  async expectScored(): Promise<void> {
    await expect(this.overviewHeatmap.getByRole('button').first()).toBeAttached();
  }

  /** Selects a group from the overview list by keyboard (the buttons mirror the canvas rows, which take the pointer). */
  async selectGroup(label: string): Promise<void> {
    const row = this.overviewHeatmap.getByRole('button', { name: label, exact: true });
    await row.focus();
    await this.page.keyboard.press('Enter');
    await expect(row).toHaveAttribute('aria-pressed', 'true');
  }

  /** Sets the global control to uniform `percent` and applies it. */
  async setGlobalUniform(percent: number): Promise<void> {
    await this.openTab('Ratios');
    await this.page.getByLabel('Global mode').selectOption('uniform');
    const slider = this.page.getByLabel('Global target');
    await slider.fill(String(percent / 100));
    await this.page.getByRole('button', { name: 'Apply', exact: true }).click();
  }

  /** The after-pruning parameter count text in the cost table. */
  paramsRow(): Locator {
    return this.planCost.getByRole('row', { name: /Parameters/ });
  }

  /** Validates on the bundled samples and waits for the results table. */
  async validateOnBundledSamples(): Promise<void> {
    await this.openTab('Validate');
    await this.page.getByRole('button', { name: 'Use bundled samples' }).click();
    await expect(this.page.getByTestId('image-source')).toContainText('bundled samples');
    await this.page.getByRole('button', { name: 'Validate original vs pruned' }).click();
    await expect(this.validationResults).toBeVisible({ timeout: 90_000 });
  }

  /** Picks a recovery method in the shared radio group (Validate and Export show the same one). */
  async chooseRecovery(label: RegExp): Promise<void> {
    await this.page.getByRole('radio', { name: label }).check();
  }

  /** Validates again on the images already chosen; waits until the table names `recovery`. */
  async revalidate(recovery: string): Promise<void> {
    await this.openTab('Validate');
    await this.page.getByRole('button', { name: 'Validate original vs pruned' }).click();
    await expect(this.recoveryRow.getByRole('cell').nth(2)).toHaveText(recovery, { timeout: 120_000 });
  }

  /** Accuracy cells of the results table: [original, pruned]. */
  async accuracies(): Promise<[string, string]> {
    const cells = this.validationResults.getByTestId('accuracy-row').getByRole('cell');
    return [await cells.nth(1).innerText(), await cells.nth(2).innerText()];
  }

  /** The Sensitivity tab's Run button. */
  runSensitivityButton(): Locator {
    return this.page.getByRole('button', { name: 'Run sensitivity' });
  }

  /** The Validate tab's run button. */
  validateButton(): Locator {
    return this.page.getByRole('button', { name: 'Validate original vs pruned' });
  }

  /** The Cancel button of the job running in the open tab. */
  cancelButton(): Locator {
    return this.page.getByRole('button', { name: 'Cancel', exact: true });
  }

  /** Starts a sensitivity run and waits until it is sweeping groups ("group at 25 % (3/24)"). */
  async startSensitivity(ratios: 'quick' | 'standard'): Promise<void> {
    await this.openTab('Sensitivity');
    await this.page.getByLabel('Sensitivity ratios').selectOption(ratios);
    await this.runSensitivityButton().click();
    await expect(this.page.getByRole('status').filter({ hasText: /\(\d+\/\d+\)/ })).toBeVisible({ timeout: 120_000 });
  }

  /** The Ratios tab's option of the sensitivity-guided global control. */
  sensitivityModeOption(): Locator {
    return this.page.getByLabel('Global mode').locator('option[value="sensitivity"]');
  }

  /** Clicks the pruned-model download and returns the download. */
  async downloadPruned(): Promise<Download> {
    await this.openTab('Export');
    const [download] = await Promise.all([
      this.page.waitForEvent('download'),
      this.page.getByRole('button', { name: /^Download .*\.pruned-\d+(\.fp16)?\.onnx$/ }).click(),
    ]);
    return download;
  }
}
