// Global keyboard shortcuts. Ignored while typing in a field, except Escape.
import { useEffect } from 'react';

/** Key → action. Keys are KeyboardEvent.key values ("f", "/", "Escape"). */
export type ShortcutMap = Record<string, () => void>;

/** Shortcut list for the help line: [key, description]. */
export const SHORTCUT_HELP: readonly [string, string][] = [
  ['/', 'search'],
  ['f', 'fit graph'],
  ['c', 'compact view'],
  ['t', 'theme'],
  ['o', 'open file'],
  ['Esc', 'clear selection'],
];

function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
}

/** Installs the shortcuts on window while mounted. */
export function useShortcuts(map: ShortcutMap): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key !== 'Escape' && isTyping(e.target)) return;
      if (document.querySelector('[role="alertdialog"]')) return; // the dialog handles its own keys
      const action = map[e.key];
      if (!action) return;
      e.preventDefault();
      action();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [map]);
}
