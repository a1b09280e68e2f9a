// The page's worker clients, created on first use (one studio worker, one layout worker).
import { LayoutClient } from '../../workers/client/layout-client';
import { StudioClient } from '../../workers/client/studio-client';
import { useStudio } from '../store/store';

let studio: StudioClient | undefined;
let layout: LayoutClient | undefined;

/** The studio worker client; a crash clears the model, which the worker has lost. */
export function studioClient(): StudioClient {
  studio ??= new StudioClient(undefined, () => useStudio.setState({ summary: undefined, layout: undefined, selectedId: undefined }));
  return studio;
}

/** The layout worker client. */
export function layoutClient(): LayoutClient {
  layout ??= new LayoutClient();
  return layout;
}
