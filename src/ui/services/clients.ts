// The page's worker clients, created on first use (one studio worker, one layout worker).
import { threadsParam } from '../../runtime/wasm-threads';
import { LayoutClient } from '../../workers/client/layout-client';
import { StudioClient } from '../../workers/client/studio-client';
import { toErrorData } from '../actions/errors';
import { modelResultsReset } from '../store/per-model';
import { useStudio } from '../store/store';

let studio: StudioClient | undefined;
let layout: LayoutClient | undefined;

/**
 * The studio worker client. A crash clears the model, which the worker has lost, with its results,
 * and says why in the error dialog (the panels' jobs belonged to that model: they report nothing).
 */
export function studioClient(): StudioClient {
  studio ??= new StudioClient(undefined, (err) => useStudio.setState((s) => ({
    ...modelResultsReset(s), summary: undefined, layout: undefined, selectedId: undefined, error: toErrorData(err),
  })), threadsParam(window.location.search));
  return studio;
}

/** The layout worker client. */
export function layoutClient(): LayoutClient {
  layout ??= new LayoutClient();
  return layout;
}
