// Applies the theme: the user's choice (remembered) or the system's prefers-color-scheme.
import { useEffect } from 'react';
import { useStudio } from '../store/store';
import type { ThemePreference } from '../store/view-slice';

const KEY = 'prune-studio:theme';

/** The remembered theme choice ('system' when none). */
export function storedTheme(): ThemePreference {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

/** The theme actually shown for a preference. */
export function resolvedTheme(pref: ThemePreference): 'light' | 'dark' {
  if (pref !== 'system') return pref;
  return window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Keeps <html data-theme> in step with the store and the system setting. */
export function useTheme(): void {
  const pref = useStudio((s) => s.theme);
  useEffect(() => {
    const apply = (): void => {
      document.documentElement.dataset.theme = resolvedTheme(pref);
    };
    apply();
    try {
      if (pref === 'system') localStorage.removeItem(KEY);
      else localStorage.setItem(KEY, pref);
    } catch {
      // storage disabled: the choice lasts for this visit
    }
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [pref]);
}
