// The criteria, in the order offered. To add one: a new file in this folder exporting a Criterion,
// and one line in CRITERIA below. The CLI help and argument checks, the worker protocol's ids and
// the studio's switcher all read this list.
import { actL2Criterion } from './act-l2.js';
import { apozCriterion } from './apoz.js';
import { bnGammaCriterion } from './bn-gamma.js';
import { l1Criterion } from './l1.js';
import { l2Criterion } from './l2.js';
import { meanAbsCriterion } from './mean-abs.js';
import { oracleCriterion } from './oracle.js';
import { randomCriterion } from './random.js';
import { reconstructionCriterion } from './reconstruction.js';
import { taylorActCriterion } from './taylor-act.js';
import { taylorCriterion } from './taylor.js';
import type { Criterion } from './types.js';

export const CRITERIA = [
  l1Criterion,
  l2Criterion,
  bnGammaCriterion,
  actL2Criterion,
  meanAbsCriterion,
  apozCriterion,
  taylorCriterion,
  taylorActCriterion,
  oracleCriterion,
  reconstructionCriterion,
  randomCriterion,
] as const satisfies readonly Criterion[];

export type CriterionId = (typeof CRITERIA)[number]['id'];

/** The ids, comma-separated, for messages and help text. */
export const CRITERION_IDS = CRITERIA.map((c) => c.id).join(', ');

export function isCriterionId(id: string): id is CriterionId {
  return CRITERIA.some((c) => c.id === id);
}

/** Looks a criterion up by id, with an actionable error listing the valid ones. */
export function criterionInfo(id: string): (typeof CRITERIA)[number] {
  const c = CRITERIA.find((x) => x.id === id);
  if (!c) throw new Error(`unknown criterion "${id}"; choose one of: ${CRITERION_IDS}`);
  return c;
}

/** Images a data criterion reads unless told otherwise: enough for steady statistics (forward-only criteria, the oracle's one run per channel). */
export const DEFAULT_SCORE_IMAGES = 256;

/** How many images `id` scores on by default (its `defaultImages`, else DEFAULT_SCORE_IMAGES). */
export function scoreImages(id: string): number {
  const c: Criterion = criterionInfo(id);
  return c.defaultImages ?? DEFAULT_SCORE_IMAGES;
}
