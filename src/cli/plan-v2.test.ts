// Plan format version 2 through the CLI, on the Fashion-MNIST VGG demo: `lowrank --plan-out` and
// `sparsify --plan-out` write plans that `prune --plan` replays to the same weights; a channel plan
// with sparsity added prunes, then sparsifies, and carries the v2 plan in its metadata; bad plans are
// refused with what to do.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../core/onnx/codec.js';
import { tensorToFloat32 } from '../core/onnx/tensor.js';
import { PLAN_METADATA_KEY } from '../core/prune/apply.js';
import { formatPlan, type PrunePlan } from '../core/prune/plan.js';
import type { PruneReport } from './commands/prune.js';
import { runCli } from './test-utils/run-cli.js';

const MODEL = 'public/models/fmnist-vgg.onnx';
const CALIBRATION = 'public/samples/calibration';
const load = (file: string) => decodeModel(readFileSync(file), file);
const weights = (file: string) => new Map(load(file).graph!.initializer.map((t) => [t.name, Array.from(tensorToFloat32(t))]));
const metadataPlan = (file: string) => JSON.parse(load(file).metadataProps.find((p) => p.key === PLAN_METADATA_KEY)!.value) as PrunePlan;

describe('plan format version 2 in the CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plan-v2-cli-'));
  const at = (name: string) => join(dir, name);

  it('lowrank --plan-out: prune --plan replays the factorised model', async () => {
    const r = await runCli(['lowrank', MODEL, '-o', at('lr.onnx'), '--rank-ratio', '0.25', '--plan-out', at('lr.plan.json')]);
    expect(r.code, r.err).toBe(0);
    const text = readFileSync(at('lr.plan.json'), 'utf8');
    const plan = JSON.parse(text) as PrunePlan;
    expect(plan).toMatchObject({ format: 'prune-studio-plan', version: 2, criterion: 'manual', groups: {} });
    expect(Object.keys(plan.lowrank!.ranks).length).toBeGreaterThan(0);
    expect(plan.sparsity).toBeUndefined();
    const replay = await runCli(['prune', MODEL, '-o', at('lr-replay.onnx'), '--plan', at('lr.plan.json'), '--plan-out', at('lr-replay.plan.json'), '--json']);
    expect(replay.code, replay.err).toBe(0);
    expect(weights(at('lr-replay.onnx'))).toEqual(weights(at('lr.onnx')));
    expect(readFileSync(at('lr-replay.plan.json'), 'utf8')).toBe(text);
    expect(metadataPlan(at('lr-replay.onnx'))).toEqual(plan);
    const report = JSON.parse(replay.out) as PruneReport;
    expect(report.compress?.lowrank?.layers.map((l) => [l.node, l.rank])).toEqual(Object.entries(plan.lowrank!.ranks));
    expect(report.after.macs).toBeLessThan(report.before.macs);
  }, 60_000);

  it('sparsify --plan-out (2:4 magnitude): prune --plan replays the sparsified model', async () => {
    const r = await runCli(['sparsify', MODEL, '-o', at('sp.onnx'), '--pattern', '2:4', '--plan-out', at('sp.plan.json')]);
    expect(r.code, r.err).toBe(0);
    const plan = JSON.parse(readFileSync(at('sp.plan.json'), 'utf8')) as PrunePlan;
    expect(plan.sparsity).toEqual({ pattern: '2:4', sparsity: 0.5, scope: 'layer', criterion: 'magnitude' });
    const replay = await runCli(['prune', MODEL, '-o', at('sp-replay.onnx'), '--plan', at('sp.plan.json')]);
    expect(replay.code, replay.err).toBe(0);
    expect(replay.out).toMatch(/sparsity {2}2:4: 50\.0% zeros in 5 layers, 1 dense/);
    expect(weights(at('sp-replay.onnx'))).toEqual(weights(at('sp.onnx')));
  }, 60_000);

  it('sparsify --criterion taylor --plan-out: the replay needs --images, and with the same images gives the same weights', async () => {
    const r = await runCli(['sparsify', MODEL, '-o', at('ty.onnx'), '--sparsity', '0.5', '--criterion', 'taylor', '--images', CALIBRATION, '--limit', '32', '--plan-out', at('ty.plan.json')]);
    expect(r.code, r.err).toBe(0);
    const refused = await runCli(['prune', MODEL, '-o', at('ty-never.onnx'), '--plan', at('ty.plan.json')]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/sparsity criterion is "taylor": its weight importance needs calibration images: give them with --images DIR/);
    const replay = await runCli(['prune', MODEL, '-o', at('ty-replay.onnx'), '--plan', at('ty.plan.json'), '--images', CALIBRATION, '--limit', '32']);
    expect(replay.code, replay.err).toBe(0);
    expect(weights(at('ty-replay.onnx'))).toEqual(weights(at('ty.onnx')));
  }, 120_000);

  it('a channel plan with sparsity added: pruned, then sparsified; --plan-out writes it back byte-identically', async () => {
    expect((await runCli(['prune', MODEL, '-o', at('ch.onnx'), '--ratio', '0.25', '--plan-out', at('ch.plan.json')])).code).toBe(0);
    const channels = JSON.parse(readFileSync(at('ch.plan.json'), 'utf8')) as PrunePlan;
    expect(channels.version).toBe(1);
    const v2 = formatPlan({ ...channels, sparsity: { pattern: 'unstructured', sparsity: 0.4, scope: 'global', criterion: 'magnitude' } });
    writeFileSync(at('ch-sp.plan.json'), v2);
    const r = await runCli(['prune', MODEL, '-o', at('ch-sp.onnx'), '--plan', at('ch-sp.plan.json'), '--plan-out', at('ch-sp.out.json')]);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(at('ch-sp.out.json'), 'utf8')).toBe(v2);
    expect(metadataPlan(at('ch-sp.onnx'))).toEqual(JSON.parse(v2));
    // The same as sparsifying the channel-pruned model.
    expect((await runCli(['sparsify', at('ch.onnx'), '-o', at('ch-then-sp.onnx'), '--sparsity', '0.4', '--scope', 'global'])).code).toBe(0);
    expect(weights(at('ch-sp.onnx'))).toEqual(weights(at('ch-then-sp.onnx')));
  }, 60_000);

  it('refuses newer versions, unknown layers and ranks above the full rank, naming what to do', async () => {
    const base = { format: 'prune-studio-plan', model: { graph: '', producer: '', nodes: 0 }, criterion: 'manual', groups: {} };
    const run = async (plan: object) => {
      writeFileSync(at('bad.plan.json'), JSON.stringify(plan));
      return runCli(['prune', MODEL, '-o', at('bad.onnx'), '--plan', at('bad.plan.json')]);
    };
    expect((await run({ ...base, version: 3 })).err).toMatch(/"version" 3 is newer than this build: it reads versions 1 and 2/);
    const unknown = await run({ ...base, version: 2, lowrank: { ranks: { '/nope/Gemm': 4 } } });
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/plan lowrank layer "\/nope\/Gemm" is not a factorisable layer of this model.*factorisable layers: "/);
    const lr = JSON.parse(readFileSync(at('lr.plan.json'), 'utf8')) as PrunePlan;
    const [id] = Object.keys(lr.lowrank!.ranks);
    expect((await run({ ...base, version: 2, lowrank: { ranks: { [id!]: 100000 } } })).err).toMatch(new RegExp(`layer "${id!.replace(/[/.]/g, '\\$&')}": rank 100000 is outside 1 … \\d+, the full rank`));
    expect((await run({ ...base, version: 2, sparsity: { pattern: '2:3:4', sparsity: 0.5 } })).err).toMatch(/"sparsity.pattern": pattern "2:3:4": use unstructured or N:M/);
  }, 60_000);
});
