// Per-tab scroll positions of the one scroll box the side panel's tabs share: a tab opened for the
// first time starts at its top, one opened again where it was left. Without it, Architecture opened
// half-way down because Validate had been scrolled to its results.
import { useLayoutEffect, useRef, type RefObject, type UIEvent } from 'react';

/** Frames a restored position is set again while the tab's late parts (thumbnails, charts) render. */
const SETTLE_FRAMES = 30;

export interface TabScroll {
  ref: RefObject<HTMLDivElement | null>;
  onScroll: (e: UIEvent<HTMLDivElement>) => void;
  /** Call before switching tabs from a click: reads the position while the old tab is still shown. */
  remember: () => void;
}

export function useTabScroll(tab: string): TabScroll {
  const ref = useRef<HTMLDivElement>(null);
  const saved = useRef(new Map<string, number>());
  const shown = useRef(tab);
  // The old tab's position. Not read from the box when the effect runs: by then the new tab's
  // (shorter) content may have clamped it. Scroll events keep it for switches the page makes itself.
  const last = useRef(0);
  useLayoutEffect(() => {
    const box = ref.current;
    if (!box || shown.current === tab) return;
    saved.current.set(shown.current, last.current);
    shown.current = tab;
    const want = saved.current.get(tab) ?? 0;
    box.scrollTop = last.current = want;
    let frames = 0;
    const settle = () => {
      if (shown.current !== tab || box.scrollTop >= want || frames++ > SETTLE_FRAMES) return;
      box.scrollTop = want;
      requestAnimationFrame(settle);
    };
    requestAnimationFrame(settle);
  }, [tab]);
  return {
    ref,
    onScroll: (e) => { last.current = e.currentTarget.scrollTop; },
    remember: () => { if (ref.current) last.current = ref.current.scrollTop; },
  };
}
