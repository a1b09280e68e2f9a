// Zoom transform arithmetic for the graph view (pure: unit-testable, no DOM).
import { zoomIdentity, type ZoomTransform } from 'd3';

export interface Size {
  width: number;
  height: number;
}

/** Zoom limits: 2% (whole 2,000-node graph on screen) to 400% (read a single box on a projector). */
export const SCALE_EXTENT: [number, number] = [0.02, 4];
/** Below this scale labels are unreadable, so boxes are drawn without text (level of detail). */
export const LABEL_MIN_SCALE = 0.45;

/** The transform that shows a `content`-sized graph whole and centred in `view`, never above 100%. */
export function fitTransform(content: Size, view: Size, padding = 24): ZoomTransform {
  if (content.width <= 0 || content.height <= 0 || view.width <= 0 || view.height <= 0) return zoomIdentity;
  const k = Math.max(
    SCALE_EXTENT[0],
    Math.min(1, (view.width - 2 * padding) / content.width, (view.height - 2 * padding) / content.height),
  );
  return zoomIdentity.translate((view.width - content.width * k) / 2, (view.height - content.height * k) / 2).scale(k);
}

/**
 * The first view of a new graph: the whole width when that keeps labels readable (else the
 * readable scale), top-aligned, so the input end of a tall network is legible at once. The
 * minimap shows the rest; "fit" shows everything.
 */
export function initialTransform(content: Size, view: Size, padding = 24): ZoomTransform {
  const fit = fitTransform(content, view, padding);
  if (fit.k >= LABEL_MIN_SCALE || content.width <= 0 || view.width <= 0) return fit;
  const k = Math.min(1, Math.max(LABEL_MIN_SCALE, (view.width - 2 * padding) / content.width));
  return zoomIdentity.translate((view.width - content.width * k) / 2, padding).scale(k);
}

/** The transform that puts graph point (x, y) at the centre of `view` at scale `k`. */
export function centerTransform(x: number, y: number, k: number, view: Size): ZoomTransform {
  return zoomIdentity.translate(view.width / 2 - x * k, view.height / 2 - y * k).scale(k);
}

/** The part of the graph (in graph units) that `view` shows under transform `t`. */
export function visibleRect(t: ZoomTransform, view: Size): { x: number; y: number; width: number; height: number } {
  return { x: -t.x / t.k, y: -t.y / t.k, width: view.width / t.k, height: view.height / t.k };
}
