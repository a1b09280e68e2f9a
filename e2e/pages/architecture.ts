// Page object for the Architecture tab: the pruned-architecture chart, its downloads and the report.
import { expect, type Download, type Locator, type Page } from '@playwright/test';

export class ArchitecturePage {
  readonly tab: Locator;
  readonly chart: Locator;
  readonly summary: Locator;
  readonly tooltip: Locator;
  readonly dialog: Locator;

  constructor(readonly page: Page) {
    this.tab = page.getByRole('tab', { name: 'Architecture' });
    this.chart = page.getByTestId('architecture-chart').first();
    this.summary = page.getByTestId('architecture-summary').first();
    this.tooltip = page.getByRole('tooltip');
    this.dialog = page.getByRole('dialog', { name: /Pruned architecture/ });
  }

  async open(): Promise<void> {
    await this.tab.click();
    await expect(this.tab).toHaveAttribute('aria-selected', 'true');
    await expect(this.chart.getByRole('button').first()).toBeVisible();
  }

  /** The chart's layers (one button each, named "Layer N, Op name: … channels, … MACs"). */
  layers(): Locator {
    return this.chart.getByRole('button', { name: /^Layer \d+,/ });
  }

  /** The layer button of node `name`. */
  layer(name: string): Locator {
    return this.chart.getByRole('button', { name: new RegExp(`^Layer \\d+, \\w+ ${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:`) });
  }

  /** Clicks a button that downloads a file and returns the download. */
  async download(name: string | RegExp, scope: Locator | Page = this.page): Promise<Download> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), scope.getByRole('button', { name, exact: typeof name === 'string' }).first().click()]);
    return download;
  }
}
