// The recovery radio group, shown in both the Validate and Export tabs: one store value, so the
// model validated is the model exported.
import { RECOVERIES } from '../../core/recover/registry';
import type { RecoveryMethod } from '../../workers/protocol';
import { learntPlanIsCurrent } from '../store/gates-slice';
import { useStudio } from '../store/store';

/** Short names for result tables and notes (from the core registry, like the radio lines). */
export const RECOVERY_NAMES = Object.fromEntries(RECOVERIES.map((r) => [r.id, r.name])) as Record<RecoveryMethod, string>;

/** Radio group bound to the store's `recovery` (applies to validation and export alike). */
export function RecoveryChoice({ disabled }: { disabled?: boolean }) {
  const recovery = useStudio((s) => s.recovery);
  const training = useStudio((s) => s.training);
  const setTraining = useStudio((s) => s.setTraining);
  const learnt = useStudio(learntPlanIsCurrent);
  return (
    <fieldset disabled={disabled}>
      <legend>Recovery (applied before validation and on export)</legend>
      {learnt && (
        <p className="hint" data-testid="learnt-plan-note" style={{ marginTop: 0 }}>
          This plan was learnt with gates: its training already refit and distilled the model, so Validate and Export use
          it as learnt and this choice does not apply (move a slider and it is an ordinary plan again).
        </p>
      )}
      {RECOVERIES.map((r) => (
        <label key={r.id} style={{ display: 'block' }}>
          <input type="radio" name="recovery" checked={recovery === r.id} onChange={() => useStudio.getState().setRecovery(r.id)} /> {r.description}
        </label>
      ))}
      {recovery === 'distill' && (
        <div className="distill-settings" style={{ display: 'flex', gap: '1em', marginTop: '0.4em', flexWrap: 'wrap' }}>
          <label>
            Epochs{' '}
            <input type="number" min={1} max={100} step={1} value={training.epochs} style={{ width: '4em' }}
              onChange={(e) => { const v = Math.round(Number(e.target.value)); if (v >= 1) setTraining({ epochs: v }); }} />
          </label>
          <label>
            Learning rate{' '}
            <input type="number" min={1e-5} max={1} step={1e-4} value={training.lr} style={{ width: '6em' }}
              onChange={(e) => { const v = Number(e.target.value); if (v > 0) setTraining({ lr: v }); }} />
          </label>
          <label title="As the CLI's --recover lsq,distill: on convolutional models it ends higher than distillation alone (docs/training.md).">
            <input type="checkbox" checked={training.leastSquaresFirst !== false} onChange={(e) => setTraining({ leastSquaresFirst: e.target.checked })} />{' '}
            least squares first
          </label>
          <span className="hint">Trains in this page; the training panel below shows the images, the live curve and Pause / Cancel.</span>
        </div>
      )}
    </fieldset>
  );
}
