// The studio shell: header, graph area, side panel, status bar, and the global behaviours
// (drop anywhere, shortcuts, theme, layout in a worker, plan persistence, demo on first start).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { fetchDemoIndex, type DemoModel } from './actions/demo-index';
import { openDemo, openFiles } from './actions/open-model';
import { GraphView } from './graph/GraphView';
import { SearchBox } from './graph/SearchBox';
import { useDropFiles } from './hooks/use-drop-files';
import { useLayoutSync } from './hooks/use-layout-sync';
import { useShortcuts, type ShortcutMap } from './hooks/use-shortcuts';
import { storedTheme, useTheme } from './hooks/use-theme';
import { DropOverlay } from './shell/DropOverlay';
import { EmptyState } from './shell/EmptyState';
import { ErrorDialog } from './shell/ErrorDialog';
import { Header } from './shell/Header';
import { ProgressBar } from './shell/ProgressBar';
import { SidePanel } from './shell/SidePanel';
import { StatusBar } from './shell/StatusBar';
import { persistPlans } from './store/plan-storage';
import { useStudio } from './store/store';
import { NEXT_THEME } from './store/view-slice';

/** Loads the demo list once; opens the first demo on first start when nothing else is loading. */
function useDemos(autoOpen: boolean): { demos: DemoModel[]; checked: boolean } {
  const [state, setState] = useState<{ demos: DemoModel[]; checked: boolean }>({ demos: [], checked: false });
  useEffect(() => {
    let live = true;
    void fetchDemoIndex().then((demos) => {
      if (!live) return;
      setState({ demos, checked: true });
      const s = useStudio.getState();
      if (autoOpen && demos[0] && !s.summary && !s.loading) void openDemo(demos[0]);
    });
    return () => {
      live = false;
    };
  }, [autoOpen]);
  return state;
}

/** `?demo=0` turns off opening the demo on start (tests and links to a specific file). */
const autoOpenDemo = new URLSearchParams(window.location.search).get('demo') !== '0';

export function App() {
  const summary = useStudio((s) => s.summary);
  const fileInput = useRef<HTMLInputElement>(null);
  const searchInput = useRef<HTMLInputElement>(null);
  const { demos, checked } = useDemos(autoOpenDemo);

  useTheme();
  useLayoutSync();
  useEffect(() => {
    useStudio.getState().setTheme(storedTheme());
    return persistPlans(useStudio, window.localStorage);
  }, []);

  const onDrop = useCallback((files: File[]) => void openFiles(files), []);
  const dragging = useDropFiles(onDrop);
  const openFile = useCallback(() => fileInput.current?.click(), []);
  const openFirstDemo = demos[0] ? () => void openDemo(demos[0]!) : undefined;

  const shortcuts = useMemo<ShortcutMap>(() => {
    const s = () => useStudio.getState();
    return {
      f: () => s().requestFit(),
      '/': () => searchInput.current?.focus(),
      c: () => s().setCompact(s().compact === 'on' ? 'off' : 'on'),
      t: () => s().setTheme(NEXT_THEME[s().theme]),
      o: openFile,
      Escape: () => s().select(undefined),
    };
  }, [openFile]);
  useShortcuts(shortcuts);

  return (
    <div className="app">
      <Header fileInputRef={fileInput} onOpenDemo={openFirstDemo} />
      <ProgressBar />
      <div className="workspace">
        <main className="graph-area" aria-label="Graph">
          <div className="graph-toolbar">
            <SearchBox inputRef={searchInput} />
            <button type="button" onClick={() => useStudio.getState().requestFit()} disabled={!summary} title="Fit the graph (f)">
              Fit
            </button>
          </div>
          {summary ? <GraphView /> : <EmptyState onOpenFile={openFile} onOpenDemo={openFirstDemo} demoChecked={checked} />}
        </main>
        <SidePanel />
      </div>
      <StatusBar />
      <ErrorDialog />
      <DropOverlay visible={dragging} />
    </div>
  );
}
