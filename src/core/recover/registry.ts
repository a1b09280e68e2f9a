// The recovery methods, in the order offered. To add one: a new file exporting a Recovery, and one
// line in RECOVERIES below. The CLI help and argument checks, the worker protocol's RecoveryMethod
// and the studio's recovery picker all read this list.
import { biasRecovery } from './bias-correct.js';
import { bnRecovery } from './bn-recalibrate.js';
import { distillRecovery } from './distill.js';
import { lsqRecovery } from './lsq.js';
import { noRecovery } from './none.js';
import type { Recovery } from './recovery.js';

export const RECOVERIES = [noRecovery, bnRecovery, biasRecovery, lsqRecovery, distillRecovery] as const satisfies readonly Recovery[];

export type RecoveryMethod = (typeof RECOVERIES)[number]['id'];

/** The ids, in order. */
export const RECOVERY_METHODS: readonly RecoveryMethod[] = RECOVERIES.map((r) => r.id);

export function isRecoveryMethod(id: string): id is RecoveryMethod {
  return RECOVERIES.some((r) => r.id === id);
}

/** Looks a method up by id, with an actionable error listing the valid ones. */
export function recoveryInfo(id: string): (typeof RECOVERIES)[number] {
  const r = RECOVERIES.find((x) => x.id === id);
  if (!r) throw new Error(`unknown recovery method "${id}"; choose one of: ${RECOVERY_METHODS.join(', ')}`);
  return r;
}
