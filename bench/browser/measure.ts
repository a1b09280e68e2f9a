// In-page measurements for the browser benchmark: time from a file drop to the drawn graph, and
// the requestAnimationFrame rate while the user pans and zooms.
import type { Page } from 'playwright-core';

/** Why a page-side wait ended: drawn, an error dialog, or out of time. */
interface DrawResult {
  ms: number;
  error?: string;
}

/**
 * esbuild (through tsx) wraps named inner functions in `__name(fn, "name")` when it transpiles
 * this file; page.evaluate sends the function's source text, so the page needs that helper too.
 */
export async function installNameShim(page: Page): Promise<void> {
  await page.addInitScript('globalThis.__name = (fn) => fn;');
}

/** Fetches `url` into the page as a File kept on window, so the timed drop does not include the copy. */
export async function stageFile(page: Page, url: string, name: string): Promise<number> {
  return page.evaluate(
    async ({ url, name }) => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`fetch ${url}: HTTP ${response.status}`);
      const file = new File([await response.blob()], name, { type: 'application/octet-stream' });
      (window as unknown as { benchFile: File }).benchFile = file;
      return file.size;
    },
    { url, name },
  );
}

/**
 * Drops the staged file on the page (dragenter + drop, as from the desktop) and resolves when
 * the graph view shows the model: a node box in the SVG, or the canvas rendering mode (which
 * needs a layout). The clock stops on the animation frame after that, i.e. once it was painted.
 */
export async function dropStagedAndWaitForGraph(page: Page, timeoutMs: number): Promise<number> {
  const result = await page.evaluate(async (timeoutMs): Promise<DrawResult> => {
    const file = (window as unknown as { benchFile: File }).benchFile;
    const frame = (): Promise<number> => new Promise((resolve) => requestAnimationFrame(resolve));
    const drawn = (): boolean => {
      const graph = document.querySelector('[data-testid="graph"]');
      return !!graph && (graph.querySelector('[data-node-id]') !== null || graph.getAttribute('data-render') === 'canvas');
    };
    const t0 = performance.now();
    const dataTransfer = new DataTransfer();
    dataTransfer.items.add(file);
    document.body.dispatchEvent(new DragEvent('dragenter', { dataTransfer, bubbles: true, cancelable: true }));
    document.body.dispatchEvent(new DragEvent('drop', { dataTransfer, bubbles: true, cancelable: true }));
    while (performance.now() - t0 < timeoutMs) {
      await frame();
      const dialog = document.querySelector('[role="alertdialog"]');
      if (dialog) return { ms: performance.now() - t0, error: dialog.textContent ?? 'error dialog' };
      if (drawn()) {
        await frame();
        return { ms: performance.now() - t0 };
      }
    }
    return { ms: performance.now() - t0, error: `graph not drawn within ${timeoutMs} ms` };
  }, timeoutMs);
  if (result.error) throw new Error(`dropping the model: ${result.error}`);
  return result.ms;
}

export interface FrameStats {
  frames: number;
  seconds: number;
  fps: number;
  /** Longest gap between two animation frames (ms): a visible stutter when over ~50 ms. */
  longestFrameMs: number;
  /** Frames on which the graph's pan/zoom transform differed from the frame before. */
  viewChanges: number;
}

/** The page-side counter: frame timestamps and how often the graph's view moved. */
interface CounterState {
  stamps: number[];
  viewChanges: number;
  running: boolean;
}

/** Starts counting animation frames in the page (until stopFrameCounter). */
export async function startFrameCounter(page: Page): Promise<void> {
  await page.evaluate(() => {
    const state: CounterState = { stamps: [], viewChanges: 0, running: true };
    (window as unknown as { benchFrames: CounterState }).benchFrames = state;
    // The zoom transform on the graph's root group shows that the gestures really moved the view.
    const view = (): string | null | undefined => document.querySelector('[data-testid="graph"] > g')?.getAttribute('transform');
    let last = view();
    const tick = (t: number): void => {
      state.stamps.push(t);
      const now = view();
      if (now !== last) state.viewChanges++;
      last = now;
      if (state.running) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** Stops the counter and turns its frame timestamps into a rate. */
export async function stopFrameCounter(page: Page): Promise<FrameStats> {
  const { stamps, viewChanges } = await page.evaluate(() => {
    const state = (window as unknown as { benchFrames: CounterState }).benchFrames;
    state.running = false;
    return state;
  });
  if (stamps.length < 2) return { frames: stamps.length, seconds: 0, fps: 0, longestFrameMs: Infinity, viewChanges };
  const seconds = (stamps[stamps.length - 1]! - stamps[0]!) / 1000;
  let longest = 0;
  for (let i = 1; i < stamps.length; i++) longest = Math.max(longest, stamps[i]! - stamps[i - 1]!);
  return { frames: stamps.length - 1, seconds, fps: (stamps.length - 1) / seconds, longestFrameMs: longest, viewChanges };
}

/**
 * Pans and zooms the graph like a user for about `durationMs`: wheel zooms out and back in
 * around the pointer, with mouse drags between them.
 */
export async function panAndZoom(page: Page, box: { x: number; y: number; width: number; height: number }, durationMs: number): Promise<number> {
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const mouse = page.mouse;
  const t0 = Date.now();
  let gestures = 0;
  for (let round = 0; Date.now() - t0 < durationMs; round++) {
    await mouse.move(cx, cy);
    const direction = round % 2 === 0 ? 1 : -1; // out on even rounds, back in on odd ones
    for (let i = 0; i < 8; i++) await mouse.wheel(0, 120 * direction);
    await mouse.down();
    await mouse.move(cx + 200 * direction, cy + 100, { steps: 15 });
    await mouse.up();
    await mouse.down();
    await mouse.move(cx, cy, { steps: 15 });
    await mouse.up();
    gestures += 8 + 2;
  }
  return gestures;
}
