// Overriding an output's task kind (Model tab): the worker keeps the overrides for the loaded model
// and drops the scores computed with the old kinds; results that depended on them are cleared and
// the heatmaps rescored.
import type { TaskKind } from '../../core/score/loss-task';
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import { errorText } from './errors';
import { scoreChannels } from './score';

const s = () => useStudio.getState();

/** Sets `output`'s task kind (the detected kind clears the override) and rescores. */
export async function setOutputTask(output: string, kind: TaskKind): Promise<void> {
  const model = s().summary;
  const current = s().outputTasks ?? [];
  const overrides: Record<string, TaskKind> = {};
  for (const t of current) {
    const k = t.name === output ? kind : t.kind;
    if (k !== t.detected) overrides[t.name] = k;
  }
  try {
    const tasks = await studioClient().call((api, jobId) => api.setOutputTasks({ jobId, overrides }));
    if (s().summary !== model) return;
    s().setOutputTasks(tasks);
    useStudio.setState({ validationReport: undefined, sensitivityResult: undefined, scores: undefined, budgetOutcome: undefined });
    void scoreChannels();
  } catch (err) {
    if (s().summary === model) s().setScores(undefined, errorText(err));
  }
}
