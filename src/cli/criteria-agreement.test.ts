// `prune --criterion C --plan-out` keeps, in every group, exactly the top-k channels of the ranking
// the studio uses (scoreGroups, and `score --criterion C --json` which prints it): one definition
// of every weight criterion, on residual torch exports where several producers share a group.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyseChannels } from '../core/graph/channels/analyse.js';
import { buildGraph } from '../core/graph/ir.js';
import type { PrunePlan } from '../core/prune/plan.js';
import { keepCount } from '../core/prune/planner.js';
import { scoreGroups } from '../core/score/criteria.js';
import { loadRepoModel } from '../core/score/test-utils/ort-runner.js';
import type { ScoreReport } from './commands/score.js';
import { runCli } from './test-utils/run-cli.js';

const RATIO = 0.5;

/** The `keep` highest-scored channels (ties: lower index), ascending. */
function topK(scores: ArrayLike<number>, keep: number): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order.slice(0, keep).sort((a, b) => a - b);
}

const cases = [
  ['resnet-bottleneck-bn.onnx', ['l1', 'l2', 'bn-gamma', 'random']],
  ['resnet-basic-fused.onnx', ['l1', 'l2', 'random']],
] as const;

describe.each(cases)('prune --plan-out agrees with the studio ranking on %s', (file, criteria) => {
  const path = `tools/fixtures/models/${file}`;
  const model = loadRepoModel(path);
  const analysis = analyseChannels(buildGraph(model));
  const dir = mkdtempSync(join(tmpdir(), 'agree-'));

  it('has residual groups written by several producers (where per-producer and group norms differ)', () => {
    const producers = (id: string) => analysis.members.filter((m) => m.kind === 'slice' && m.producer && m.segments.some((s) => analysis.groups[analysis.groupOfSpace[s.space]!]!.id === id)).length;
    expect(analysis.groups.filter((g) => g.prunable && producers(g.id) >= 2).length).toBeGreaterThan(0);
  });

  it.each(criteria)('--criterion %s', async (criterion) => {
    const planFile = join(dir, `${criterion}.json`);
    const pruned = await runCli(['prune', path, '-o', join(dir, `${criterion}.onnx`), '--ratio', String(RATIO), '--criterion', criterion, '--plan-out', planFile]);
    expect(pruned.err).toBe('');
    const plan = JSON.parse(readFileSync(planFile, 'utf8')) as PrunePlan;
    const { scores, skipped } = await scoreGroups(model, criterion, {}, analysis);
    const printed = await runCli(['score', path, '--criterion', criterion, '--json']);
    const report = JSON.parse(printed.out) as ScoreReport;
    expect(report.groups.map((g) => g.id)).toEqual([...scores.keys()]);
    expect(scores.size).toBeGreaterThan(skipped.length);
    for (const g of analysis.groups.filter((x) => scores.has(x.id))) {
      const expected = topK(scores.get(g.id)!, keepCount(g.channels, RATIO));
      expect(plan.groups[g.id]?.keep, g.id).toEqual(expected);
      expect(topK(report.groups.find((r) => r.id === g.id)!.scores, expected.length), `score --json ${g.id}`).toEqual(expected);
    }
  });
});
