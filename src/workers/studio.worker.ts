// The studio worker: decodes and keeps the model, answers the page through Comlink.
// Each method is a thin wrapper: real work lives in ./studio/*, errors become data via runJob.
import * as Comlink from 'comlink';
import type { LoadModelRequest, ModelSummary, ProgressCallback, StudioWorkerApi, WorkerResult } from './protocol';
import { cancelJob, runJob } from './jobs';
import { loadModel } from './studio/load-model';
import { pruningApi } from './studio/pruning-api';
import { requestWasmThreads } from './studio/pruning-cache';

const api: StudioWorkerApi = {
  loadModel(request: LoadModelRequest, onProgress?: ProgressCallback): Promise<WorkerResult<ModelSummary>> {
    return runJob(request.jobId, () => loadModel(request, onProgress), onProgress);
  },
  cancel(jobId: number): void {
    cancelJob(jobId);
  },
  setWasmThreads(threads: number): void {
    requestWasmThreads(threads);
  },
  ...pruningApi,
};

Comlink.expose(api);
