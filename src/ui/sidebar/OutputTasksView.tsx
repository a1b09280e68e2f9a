// The model's outputs and the task each is scored and validated with (class, dense, segmentation):
// detected from shape and producer, overridable here; the override reaches the worker's scoring,
// sensitivity and validation (actions/output-tasks.ts).
import { TASK_KINDS, type TaskKind } from '../../core/score/loss-task';
import { setOutputTask } from '../actions/output-tasks';
import { formatShape } from '../format';
import { useStudio } from '../store/store';

/** One row per output: name, shape, task kind (a select). */
export function OutputTasksView() {
  const tasks = useStudio((s) => s.outputTasks);
  const summary = useStudio((s) => s.summary);
  if (!tasks?.length || !summary) return null;
  return (
    <section className="card" aria-labelledby="output-tasks-title" data-testid="output-tasks">
      <h3 id="output-tasks-title">Outputs and tasks</h3>
      <table className="output-tasks">
        <thead><tr><th>output</th><th>task</th></tr></thead>
        <tbody>
          {tasks.map((t) => (
            <tr key={t.name} data-testid={`output-task-${t.name}`}>
              <td title={formatShape(summary.outputs.find((o) => o.name === t.name)?.shape)}>{t.name}<br /><span className="muted">detected: {t.detected}</span></td>
              <td>
                <select aria-label={`Task of output ${t.name}`} value={t.kind}
                  onChange={(e) => void setOutputTask(t.name, e.target.value as TaskKind)}>
                  {TASK_KINDS.map((k) => <option key={k} value={k}>{k}</option>)}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {tasks.length > 1 && <p className="hint">Taylor and oracle score each output with its task's loss; a channel any task needs stays. Validation measures each output in its task's terms.</p>}
    </section>
  );
}
