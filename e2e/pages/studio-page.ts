// Page object for the studio: every spec talks to the UI through these methods.
import { expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { readFileSync } from 'node:fs';
import path from 'node:path';

export class StudioPage {
  readonly heading: Locator;
  readonly fileInput: Locator;
  readonly graph: Locator;
  readonly search: Locator;
  readonly searchResults: Locator;
  readonly nodeProperties: Locator;
  readonly modelSummary: Locator;
  readonly errorDialog: Locator;
  readonly progress: Locator;
  readonly minimap: Locator;
  readonly modelName: Locator;
  private shot = 0;

  constructor(
    readonly page: Page,
    private readonly testInfo?: TestInfo,
  ) {
    this.heading = page.getByRole('heading', { name: 'Prune Studio' });
    this.fileInput = page.getByLabel('Open ONNX model');
    this.graph = page.getByTestId('graph');
    this.search = page.getByRole('combobox', { name: 'Search nodes' });
    this.searchResults = page.getByRole('listbox', { name: 'Matching nodes' });
    this.nodeProperties = page.getByTestId('node-properties');
    this.modelSummary = page.getByTestId('model-summary');
    this.errorDialog = page.getByRole('alertdialog');
    this.progress = page.getByTestId('load-progress');
    this.minimap = page.getByTestId('minimap');
    this.modelName = page.getByTestId('model-name');
  }

  /** Opens the app without the start-up demo (`?demo=0`), or with it. */
  async goto(options: { demo?: boolean } = {}): Promise<void> {
    await this.page.goto(options.demo ? '/' : '/?demo=0');
    await expect(this.heading).toBeVisible();
  }

  /** Picks files with the Open button's file input. */
  async openFiles(...files: string[]): Promise<void> {
    await this.fileInput.setInputFiles(files.map((f) => path.resolve(f)));
  }

  /** Drops a file onto the page, as a user dragging it from the desktop. */
  async dropFile(name: string, content: Buffer, mimeType = 'application/octet-stream'): Promise<void> {
    const dataTransfer = await this.page.evaluateHandle(
      ({ name, base64, mimeType }) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], name, { type: mimeType }));
        return dt;
      },
      { name, base64: content.toString('base64'), mimeType },
    );
    await this.page.dispatchEvent('body', 'dragenter', { dataTransfer });
    await this.page.dispatchEvent('body', 'drop', { dataTransfer });
  }

  /** Drops a file from disk. */
  async dropPath(file: string): Promise<void> {
    await this.dropFile(path.basename(file), readFileSync(file));
  }

  /** Opens the studio without the demo, drops `file` on it and waits for its graph. */
  async openModel(file: string): Promise<void> {
    await this.goto();
    await this.dropPath(file);
    await this.expectGraph();
  }

  /** Waits until the graph of a loaded model is drawn. */
  async expectGraph(): Promise<void> {
    await expect(this.graph).toBeVisible();
    await expect(this.graph.locator('[data-node-id]').first()).toBeVisible();
  }

  /** The box of a node in the drawing. */
  node(id: string): Locator {
    return this.graph.locator(`[data-node-id="${id}"]`);
  }

  /** Clicks a node's box where it is drawn (it must be inside the visible part of the graph). */
  async clickNode(id: string): Promise<void> {
    const box = await this.node(id).boundingBox();
    if (!box) throw new Error(`node ${id} is not drawn`);
    await this.page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  }

  /** Fits the whole graph in view (the f shortcut) and waits for the animation to end. */
  async fit(): Promise<void> {
    await this.page.locator('body').press('f');
    await this.page.waitForTimeout(500);
  }

  /** Types into the search box and picks the first hit with Enter. */
  async searchAndPick(query: string): Promise<void> {
    await this.page.keyboard.press('/');
    await expect(this.search).toBeFocused();
    await this.search.fill(query);
    await expect(this.searchResults.getByRole('option').first()).toBeVisible();
    await this.search.press('Enter');
  }

  /** Saves a numbered full-page screenshot as a test artefact (test-results/<test>/NN-name.png). */
  async screenshot(name: string): Promise<void> {
    if (!this.testInfo) return;
    this.shot += 1;
    const file = this.testInfo.outputPath(`${String(this.shot).padStart(2, '0')}-${name}.png`);
    await this.page.screenshot({ path: file });
    await this.testInfo.attach(name, { path: file, contentType: 'image/png' });
  }
}
