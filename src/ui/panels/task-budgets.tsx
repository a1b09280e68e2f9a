// Sensitivity → MACs target on a model with several outputs: a drop budget per output (PAGCP, as the
// CLI's --task-budget) and, after Apply, each output's predicted drop against its budget, with a note
// when a budget stopped the pruning before the MACs target.
import { budgetOutputs, budgetUnit, formatDrop, parseBudget } from '../actions/task-budgets';
import { useStudio } from '../store/store';

function BudgetReadout() {
  // Only while the plan is the one that apply made (see plan-slice BudgetOutcome).
  const outcome = useStudio((s) => (s.budgetOutcome?.plan === s.ratios ? s.budgetOutcome : undefined));
  if (!outcome?.tasks) return null;
  const binding = outcome.binding ?? [];
  const kept = `${((outcome.keptMacs ?? 1) * 100).toFixed(1)} %`;
  return (
    <div className="task-budget-readout" data-testid="task-budget-readout" role="status">
      <ul>
        {Object.entries(outcome.tasks).map(([name, t]) => (
          <li key={name} data-testid={`task-budget-${name}`} className={binding.includes(name) ? 'binds' : undefined}>
            <b>{name}</b>: predicted drop {formatDrop(t.predictedDrop)} of budget {formatDrop(t.budget)} <span className="hint">({t.measure})</span>
          </li>
        ))}
      </ul>
      {outcome.budgetLimited ? (
        <p className="budget-binds" data-testid="task-budget-binds">
          The {binding.join(' and ')} budget{binding.length > 1 ? 's bind' : ' binds'} before the MACs target (−{Math.round(outcome.target * 100)} %):
          kept {kept} of MACs; raise {binding.length > 1 ? 'their budgets' : 'its budget'} to go further.
        </p>
      ) : (
        <p className="hint">Every output within its budget; the MACs target is met ({kept} of MACs kept).</p>
      )}
    </div>
  );
}

/** The budget inputs (one per output of the last sensitivity run) and the read-out of the last apply. */
export function TaskBudgets() {
  const outputs = useStudio((s) => budgetOutputs(s));
  const texts = useStudio((s) => s.taskBudgets);
  if (!outputs.length) return null;
  return (
    <div className="task-budgets" data-testid="task-budgets">
      <p className="hint">
        Task budgets (optional, empty = none): the largest drop each output’s curves may predict. The pruning stops where a
        budget would break, even short of the MACs target.
      </p>
      <div className="task-budget-inputs">
        {outputs.map((o) => {
          const invalid = Number.isNaN(parseBudget(texts[o.name]));
          return (
            <label key={o.name}>
              <input type="number" min={0} step="any" inputMode="decimal" placeholder="none" value={texts[o.name] ?? ''}
                aria-label={`Task budget for ${o.name}`} aria-invalid={invalid || undefined}
                onChange={(e) => useStudio.getState().setTaskBudget(o.name, e.target.value)} />
              <span>
                <b>{o.name}</b>{' '}
                <span className={invalid ? 'error' : 'hint'}>{invalid ? 'a positive number, or empty for none' : budgetUnit(o.measure)}</span>
              </span>
            </label>
          );
        })}
      </div>
      <BudgetReadout />
    </div>
  );
}
