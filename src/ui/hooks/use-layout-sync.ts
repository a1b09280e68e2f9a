// Keeps store.layout in step with the loaded model and the compact setting, computing layouts in
// the layout worker. A newer request cancels the older one (the worker is killed and respawned).
import { useEffect } from 'react';
import { isAborted } from '../../workers/client/studio-error';
import { layoutNodesFromSummary } from '../../workers/layout/from-summary';
import { layoutClient } from '../services/clients';
import { useStudio } from '../store/store';
import { isCompact } from '../store/view-slice';

/** Runs layouts for the current summary; mount once, in the app shell. */
export function useLayoutSync(): void {
  const summary = useStudio((s) => s.summary);
  const compactMode = useStudio((s) => s.compact);
  useEffect(() => {
    if (!summary) {
      useStudio.getState().setLayout(undefined, false);
      return;
    }
    const controller = new AbortController();
    const compact = isCompact(compactMode, summary.nodes.length);
    useStudio.getState().setLayout(useStudio.getState().layout, true);
    layoutClient()
      .layout({ nodes: layoutNodesFromSummary(summary), edges: summary.edges, compact }, controller.signal)
      .then((layout) => {
        useStudio.getState().setLayout(layout, false);
      })
      .catch((err: unknown) => {
        if (isAborted(err)) return;
        useStudio.getState().setLayout(undefined, false);
        useStudio.getState().showError({
          code: 'internal',
          message: `The graph could not be laid out: ${(err as Error).message}`,
          hint: 'The model is loaded; try compact mode (press c) or reload the page.',
        });
      });
    return () => controller.abort();
  }, [summary, compactMode]);
}
