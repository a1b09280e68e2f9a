// After a model loads: its groups, criteria and preprocessing defaults, then the scores.
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import { errorText } from './errors';
import { scoreChannels } from './score';

const s = () => useStudio.getState();

/** Asks the worker what the loaded model offers the pruning panels; results for a replaced model are dropped. */
export async function analyseModel(): Promise<void> {
  const client = studioClient();
  const model = s().summary;
  try {
    const [groups, criteria] = await Promise.all([
      client.call((api, jobId) => api.listGroups({ jobId })),
      client.call((api, jobId) => api.listCriteria({ jobId })),
    ]);
    if (s().summary !== model) return;
    s().setGroups(groups);
    s().setCriteria(criteria);
    // Show a heatmap straight away (the first prunable group), without moving the graph.
    const first = groups.find((g) => g.prunable);
    if (first && !s().selectedGroupId) useStudio.setState({ selectedGroupId: first.id });
  } catch (err) {
    if (s().summary === model) s().setGroups(undefined, errorText(err));
    return;
  }
  void loadPreprocessDefaults();
  void scoreChannels();
}

async function loadPreprocessDefaults(): Promise<void> {
  const model = s().summary;
  try {
    const { inferred, presets } = await studioClient().call((api, jobId) => api.preprocessDefaults({ jobId }));
    if (s().summary === model) s().setPreprocessDefaults(inferred, presets);
  } catch (err) {
    if (s().summary === model) s().setValidation({ error: errorText(err) });
  }
}
