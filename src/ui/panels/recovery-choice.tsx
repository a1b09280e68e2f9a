// The recovery radio group, shown in both the Validate and Export tabs: one store value, so the
// model validated is the model exported.
import type { RecoveryMethod } from '../../workers/protocol';
import { useStudio } from '../store/store';

/** One line per method: what it does to the pruned model. */
export const RECOVERY_METHODS: Record<RecoveryMethod, string> = {
  none: 'None: the weights are sliced as they are.',
  bn: 'BN recalibration: re-estimates BatchNorm statistics on the calibration images (needs BN kept in the model).',
  bias: 'Bias correction: shifts each next layer’s bias to restore the mean output lost with the removed channels.',
  lsq: 'Least squares: refits each next layer’s weights so its output matches the original on the calibration images.',
};

/** Short names for result tables and notes. */
export const RECOVERY_NAMES: Record<RecoveryMethod, string> = { none: 'none', bn: 'BN recalibration', bias: 'bias correction', lsq: 'least squares' };

/** Radio group bound to the store's `recovery` (applies to validation and export alike). */
export function RecoveryChoice({ disabled }: { disabled?: boolean }) {
  const recovery = useStudio((s) => s.recovery);
  return (
    <fieldset disabled={disabled}>
      <legend>Recovery (applied before validation and on export)</legend>
      {(Object.keys(RECOVERY_METHODS) as RecoveryMethod[]).map((r) => (
        <label key={r} style={{ display: 'block' }}>
          <input type="radio" name="recovery" checked={recovery === r} onChange={() => useStudio.getState().setRecovery(r)} /> {RECOVERY_METHODS[r]}
        </label>
      ))}
    </fieldset>
  );
}
