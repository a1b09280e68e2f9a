// The pruning half of the studio worker's API: each method wraps its job in runJob (errors as
// data, cancellation by job id) and delegates to the file that does the work.
import type { StudioWorkerApi } from '../protocol';
import { runJob } from '../jobs';
import { listCriteria, scoreGroups } from './scores';
import { listGroups } from './groups';
import { globalPlan, planCost } from './plan';
import { sensitivity } from './sensitivity';
import { preprocessDefaults, previewPreprocess, validate } from './validate';
import { exportPruned } from './export';
import { controlTraining } from './training-control';
import { sweepPoint } from './tradeoffs';
import { learnGatesJob } from './gates';
import { setOutputTasks } from './output-tasks';
import { setInputSize } from './input-size';
import { layerSpectra, planJson, rankTarget, sparsityMap } from './compress';

type PruningApi = Omit<StudioWorkerApi, 'loadModel' | 'cancel' | 'setWasmThreads'>;

/** Spread into the studio worker's Comlink API. */
export const pruningApi: PruningApi = {
  listGroups: (r) => runJob(r.jobId, async () => listGroups()),
  listCriteria: (r) => runJob(r.jobId, async () => listCriteria()),
  scoreGroups: (r, onProgress) => runJob(r.jobId, () => scoreGroups(r, onProgress)),
  planCost: (r) => runJob(r.jobId, async () => planCost(r)),
  globalPlan: (r) => runJob(r.jobId, async () => globalPlan(r)),
  sensitivity: (r, onProgress) => runJob(r.jobId, () => sensitivity(r, onProgress)),
  preprocessDefaults: (r) => runJob(r.jobId, async () => preprocessDefaults()),
  previewPreprocess: (r) => runJob(r.jobId, () => previewPreprocess(r)),
  validate: (r, onProgress) => runJob(r.jobId, () => validate(r, onProgress)),
  exportPruned: (r, onProgress) => runJob(r.jobId, () => exportPruned(r, onProgress)),
  // Its own job id: runJob forgets that one, never the training job's.
  controlTraining: (r) => runJob(r.jobId, async () => controlTraining(r)),
  sweepPoint: (r, onProgress) => runJob(r.jobId, () => sweepPoint(r, onProgress), onProgress),
  learnGates: (r, onProgress) => runJob(r.jobId, () => learnGatesJob(r, onProgress), onProgress),
  setOutputTasks: (r) => runJob(r.jobId, async () => setOutputTasks(r.overrides)),
  setInputSize: (r) => runJob(r.jobId, async () => setInputSize(r.shape)),
  layerSpectra: (r, onProgress) => runJob(r.jobId, () => layerSpectra(r, onProgress), onProgress),
  rankTarget: (r) => runJob(r.jobId, () => rankTarget(r)),
  sparsityMap: (r, onProgress) => runJob(r.jobId, () => sparsityMap(r, onProgress), onProgress),
  planJson: (r) => runJob(r.jobId, () => planJson(r)),
};
