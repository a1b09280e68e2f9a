// Top bar: product name, the loaded model's name, open/demo buttons, view toggles.
import type { RefObject } from 'react';
import { openFiles } from '../actions/open-model';
import { useStudio } from '../store/store';
import { NEXT_THEME, type CompactMode, type ThemePreference } from '../store/view-slice';

const THEME_LABEL: Record<ThemePreference, string> = { system: 'Theme: system', dark: 'Theme: dark', light: 'Theme: light' };

interface Props {
  fileInputRef: RefObject<HTMLInputElement | null>;
  onOpenDemo?: () => void;
}

/** The header. The file input accepts several files: a model plus its external data file. */
export function Header({ fileInputRef, onOpenDemo }: Props) {
  const summary = useStudio((s) => s.summary);
  const theme = useStudio((s) => s.theme);
  const compact = useStudio((s) => s.compact);
  return (
    <header className="app-header">
      <h1>Prune Studio</h1>
      <span className="model-name" data-testid="model-name" title={summary?.fileName}>
        {summary ? summary.fileName : 'no model'}
      </span>
      <div className="header-actions">
        <button type="button" className="primary" onClick={() => fileInputRef.current?.click()}>
          Open model…
        </button>
        <input
          ref={fileInputRef}
          type="file"
          accept=".onnx,.data,.bin,.weights"
          multiple
          hidden
          aria-label="Open ONNX model"
          onChange={(e) => {
            void openFiles(Array.from(e.target.files ?? []));
            e.target.value = ''; // the same file can be opened again
          }}
        />
        {onOpenDemo && (
          <button type="button" onClick={onOpenDemo}>
            Open demo
          </button>
        )}
        <label className="select-label">
          View
          <select value={compact} onChange={(e) => useStudio.getState().setCompact(e.target.value as CompactMode)} aria-label="Compact view">
            <option value="auto">auto</option>
            <option value="on">compact</option>
            <option value="off">every node</option>
          </select>
        </label>
        <button type="button" onClick={() => useStudio.getState().setTheme(NEXT_THEME[theme])} aria-label={THEME_LABEL[theme]} title="Switch theme (t)">
          {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}
        </button>
      </div>
    </header>
  );
}
