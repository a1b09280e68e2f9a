// The recovery radio group, shown in both the Validate and Export tabs: one store value, so the
// model validated is the model exported.
import { RECOVERIES } from '../../core/recover/registry';
import type { RecoveryMethod } from '../../workers/protocol';
import { useStudio } from '../store/store';

/** Short names for result tables and notes (from the core registry, like the radio lines). */
export const RECOVERY_NAMES = Object.fromEntries(RECOVERIES.map((r) => [r.id, r.name])) as Record<RecoveryMethod, string>;

/** Radio group bound to the store's `recovery` (applies to validation and export alike). */
export function RecoveryChoice({ disabled }: { disabled?: boolean }) {
  const recovery = useStudio((s) => s.recovery);
  return (
    <fieldset disabled={disabled}>
      <legend>Recovery (applied before validation and on export)</legend>
      {RECOVERIES.map((r) => (
        <label key={r.id} style={{ display: 'block' }}>
          <input type="radio" name="recovery" checked={recovery === r.id} onChange={() => useStudio.getState().setRecovery(r.id)} /> {r.description}
        </label>
      ))}
    </fieldset>
  );
}
