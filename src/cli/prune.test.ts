// `prune-studio prune` and `groups` / `inspect --groups` end to end through main().
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../core/onnx/codec.js';
import { PLAN_METADATA_KEY } from '../core/prune/apply.js';
import type { PrunePlan } from '../core/prune/plan.js';
import type { GroupsReport } from './commands/groups.js';
import type { PruneReport } from './commands/prune.js';
import { runCli } from './test-utils/run-cli.js';

const run = runCli;

const MODEL = 'tools/fixtures/models/resnet-basic-bn.onnx';

describe('prune-studio groups / inspect --groups', () => {
  it('lists groups with members and barrier reasons', async () => {
    const json = await run(['inspect', MODEL, '--groups', '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.out) as GroupsReport;
    expect(report.schemaVersion).toBe(1);
    expect(report.groups.length).toBe(10);
    expect(report.groups.filter((g) => !g.prunable).map((g) => g.barriers[0])).toEqual([expect.stringContaining('model output (class channels)')]);
    expect(report.groups[0]!.members).toContainEqual({ node: report.groups[0]!.id, role: 'Conv.weight[out]' });
    const text = await run(['groups', MODEL]);
    expect(text.out).toMatch(/10 channel groups, 9 prunable/);
    expect(text.out).toMatch(/BARRIER\n {4}barrier: model output/);
  });
});

describe('prune-studio groups --grouped-convs', () => {
  it('turns ResNeXt grouped-conv barriers into groups pruned evenly per block, and prune honours it', async () => {
    const file = 'tools/fixtures/models/resnext.onnx';
    const off = JSON.parse((await run(['groups', file, '--json'])).out) as GroupsReport;
    const on = JSON.parse((await run(['groups', file, '--json', '--grouped-convs'])).out) as GroupsReport;
    expect(off.groups.filter((g) => g.prunable).length).toBeLessThan(on.groups.filter((g) => g.prunable).length);
    expect(on.groups.some((g) => g.blocks === 4 && g.prunable)).toBe(true);
    const out = join(mkdtempSync(join(tmpdir(), 'prune-cli-')), 'rx.onnx');
    const r = await run(['prune', file, '-o', out, '--ratio', '0.5', '--grouped-convs', '--json']);
    expect(r.err).toBe('');
    expect((JSON.parse(r.out) as PruneReport).groupsPruned).toBe(on.groups.filter((g) => g.prunable).length);
  });
});

describe('prune-studio prune', () => {
  const dir = mkdtempSync(join(tmpdir(), 'prune-cli-'));

  it('prunes by ratio and reports smaller params, MACs and bytes; the plan round-trips through --plan', async () => {
    const out = join(dir, 'half.onnx');
    const planOut = join(dir, 'plan.json');
    const r = await run(['prune', MODEL, '-o', out, '--ratio', '0.5', '--round-to', '4', '--plan-out', planOut, '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as PruneReport;
    expect(report.groupsPruned).toBe(9);
    expect(report.after.params).toBeLessThan(report.before.params * 0.4);
    expect(report.after.macs).toBeLessThan(report.before.macs * 0.5);
    expect(report.fileBytes.after).toBeLessThan(report.fileBytes.before);
    const plan = JSON.parse(readFileSync(planOut, 'utf8')) as PrunePlan;
    for (const g of Object.values(plan.groups)) expect(g.keep.length % 4).toBe(0);
    const pruned = decodeModel(readFileSync(out));
    expect(JSON.parse(pruned.metadataProps.find((p) => p.key === PLAN_METADATA_KEY)!.value)).toEqual(plan);
    const again = join(dir, 'again.onnx');
    const r2 = await run(['prune', MODEL, '-o', again, '--plan', planOut]);
    expect(r2.code).toBe(0);
    expect(r2.out).toMatch(/params .* → .*\(−\d/);
    expect(readFileSync(again)).toEqual(readFileSync(out));
  });

  it('rejects bad command lines and bad plans with a reason', async () => {
    const out = join(dir, 'x.onnx');
    expect((await run(['prune', MODEL, '-o', out])).err).toMatch(/exactly one of --ratio, --keep-macs, --keep-params, --plan or --lossless/);
    expect((await run(['prune', MODEL, '-o', out, '--ratio', '1.5'])).err).toMatch(/--ratio must be a number in \[0, 1\)/);
    expect((await run(['prune', MODEL, '--ratio', '0.5'])).err).toMatch(/needs -o OUT/);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ format: 'prune-studio-plan', version: 1, groups: { nope: { channels: 3, keep: [0] } } }));
    const r = await run(['prune', MODEL, '-o', out, '--plan', bad]);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/plan group "nope" does not exist in this model/);
  });

  it('--lossless on a model without constant channels removes nothing', async () => {
    const r = await run(['prune', MODEL, '-o', join(dir, 'l.onnx'), '--lossless', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as PruneReport;
    expect(report.channelsRemoved).toBe(0);
    expect(report.after.params).toBe(report.before.params);
  });
});
