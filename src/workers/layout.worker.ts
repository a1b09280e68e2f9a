// The layout worker: dagre runs here so a 1,000-node graph never blocks the page.
import * as Comlink from 'comlink';
import type { LayoutRequest, LayoutResult, LayoutWorkerApi, WorkerResult } from './protocol';
import { layoutGraph } from './layout/graph-layout';
import { runJob } from './jobs';

const api: LayoutWorkerApi = {
  layout(request: LayoutRequest): Promise<WorkerResult<LayoutResult>> {
    return runJob(request.jobId, async () => layoutGraph(request));
  },
};

Comlink.expose(api);
