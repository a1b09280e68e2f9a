// Page object for the plan on the graph: node channel text, barrier marks, the colour-mode switch
// and its legend, edge widths, and the Ratios list rows the graph selects.
import { expect, type Locator, type Page } from '@playwright/test';
import type { StudioPage } from './studio-page';

export class GraphPlanPage {
  readonly legend: Locator;
  readonly colourMode: Locator;
  readonly ratioList: Locator;

  constructor(
    readonly page: Page,
    private readonly studio: StudioPage,
  ) {
    this.legend = page.getByTestId('graph-legend');
    this.colourMode = page.getByLabel('Colour graph by');
    this.ratioList = page.locator('.ratio-list');
  }

  /** The channel line drawn in a node's box ("16 ch", "16 → 8"). */
  channelText(id: string): Locator {
    return this.studio.node(id).locator('.node-channels');
  }

  /** Channel lines of every drawn node. */
  allChannelTexts(): Promise<string[]> {
    return this.studio.graph.locator('.node-channels').allTextContents();
  }

  /** Switches the colour mode (option labels: op type, fraction removed, sensitivity, mean importance). */
  async colourBy(label: string): Promise<void> {
    await this.colourMode.selectOption({ label });
    await expect(this.colourMode).toHaveValue(/\w+/);
  }

  /** The fill a node's box is painted with (inline in a value mode, from CSS otherwise). */
  fillOf(id: string): Promise<string> {
    return this.studio.node(id).locator('rect').evaluate((r) => getComputedStyle(r).fill);
  }

  /** Stroke widths (px) of the drawn edges. */
  edgeWidths(): Promise<number[]> {
    return this.studio.graph.locator('path.edge').evaluateAll((paths) => paths.map((p) => parseFloat(getComputedStyle(p).strokeWidth)));
  }

  /** The Ratios row of a group. */
  ratioRow(label: string): Locator {
    return this.ratioList.getByRole('listitem').filter({ has: this.page.getByRole('button', { name: label, exact: true }) });
  }
}
