// What exporters emit that the data paths (criteria that read images, recovery, training) must
// handle or refuse in words a user can act on, found by running every fixture through
// `prune --keep-macs 0.6 --criterion taylor --recover lsq`:
// - a batch dim fixed at export (a traced [1, 3, 64, 64]): images go one run at a time, and training,
//   which needs batches, says how to re-export;
// - weights in an external-data file: `eval` reads them like every other command (it passed the
//   bare file to onnxruntime, which refused the side file's path);
// - an operator onnxruntime has no kernel for: say so, and what works without running the model;
// - weights given as graph inputs (a second input images cannot feed): say so before any job runs;
// - a quantized model asked for a low-rank MACs target: no layer can be factorised, so say that;
// - a weight two layers share (paddle-style export): least squares leaves it tied, so the pruned
//   model is not made bigger than the original by private copies.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../core/onnx/codec.js';
import { referenceOutputs } from '../core/score/metric.js';
import { loadImageBatches, nodeModelRunner } from './data/score-images.js';
import type { PruneReport } from './commands/prune.js';
import { runCli } from './test-utils/run-cli.js';

const FIXTURES = 'tools/fixtures/models';
const IMAGES = 'public/samples/calibration';
const dir = mkdtempSync(join(tmpdir(), 'exporter-quirks-'));
const prune = (model: string, out: string, ...extra: string[]) =>
  runCli(['prune', `${FIXTURES}/${model}`, '-o', join(dir, out), '--keep-macs', '0.6', '--criterion', 'taylor', '--images', IMAGES, '--limit', '32', ...extra]);

describe('exporter quirks on the data paths', () => {
  it('a fixed batch of 1: Taylor and least squares run image by image; training says how to re-export', async () => {
    const r = await prune('dynamo-style.onnx', 'fixed.onnx', '--recover', 'lsq', '--json');
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as PruneReport;
    expect(report.after.macs).toBeLessThan(report.before.macs! * 0.62);
    const model = decodeModel(readFileSync(join(dir, 'fixed.onnx')), 'fixed.onnx');
    const { batches } = loadImageBatches(model, IMAGES, process.cwd(), { limit: 3 });
    expect(batches.map((b) => Object.values(b.feeds)[0]!.dims[0])).toEqual([1, 1, 1]);
    await referenceOutputs(model, nodeModelRunner, batches);

    const trained = await prune('dynamo-style.onnx', 'trained.onnx', '--recover', 'lsq,distill', '--epochs', '1', '--train-images', '16');
    expect(trained.code).not.toBe(0);
    expect(trained.err).toMatch(/takes exactly 1 per run \(input "input" is \[1, 3, 64, 64\]\).*dynamic_axes/);
    // GDP's gates train too, and refuse before their Taylor importance runs batches (onnxruntime's "Got invalid dimensions").
    const gates = await runCli(['prune', `${FIXTURES}/dynamo-style.onnx`, '-o', join(dir, 'gates.onnx'), '--criterion', 'gates', '--keep-macs', '0.7', '--images', IMAGES, '--epochs', '1', '--train-images', '16']);
    expect(gates.code).not.toBe(0);
    expect(gates.err).toMatch(/takes exactly 1 per run .*dynamic_axes/);
  }, 120_000);

  it('InstanceNormalization trains: GDP’s gates learn through it (no backward rule before)', async () => {
    const r = await runCli(['prune', `${FIXTURES}/edge-instance-norm.onnx`, '-o', join(dir, 'in-gates.onnx'), '--criterion', 'gates', '--keep-macs', '0.7', '--images', IMAGES, '--epochs', '2', '--train-images', '32', '--batch', '8', '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as PruneReport;
    expect(report.after.macs).toBeLessThanOrEqual(report.before.macs! * 0.7);
  }, 120_000);

  it('eval reads a model’s external data from beside it, from any working directory', async () => {
    const r = await runCli(['eval', `${FIXTURES}/dynamo-style.onnx`, '--images', IMAGES, '--limit', '4', '--json']);
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as { images: number }).images).toBe(4);
  });

  it('an operator onnxruntime cannot run: the error names it and what still works', async () => {
    const r = await runCli(['eval', `${FIXTURES}/edge-custom-op.onnx`, '--images', IMAGES, '--limit', '4']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/no kernel for the operator CustomFoo \(domain "com\.example"\)\. Weight criteria \(l1, l2, …\) still prune/);
  });

  it('a second input (weights given as a graph input): refused before any run, with the inputs named', async () => {
    const r = await prune('tiny-conv.onnx', 'two-inputs.onnx', '--recover', 'lsq');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/takes 2 inputs \("x", "W"\), and images feed only one/);
  });

  it('low rank on a model with no float layer to factorise says so instead of asking for a MACs floor of 1.000', async () => {
    const r = await runCli(['lowrank', `${FIXTURES}/quant-qdq.onnx`, '-o', join(dir, 'q.onnx'), '--keep-macs', '0.8']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/no layer of this model can be factorised/);
  });

  it('a weight two layers share stays shared: least squares does not make the pruned model bigger', async () => {
    const r = await prune('paddle-style.onnx', 'tied.onnx', '--recover', 'lsq', '--json');
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as PruneReport;
    expect(report.after.bytes).toBeLessThan(report.before.bytes * 0.7);
    const model = decodeModel(readFileSync(join(dir, 'tied.onnx')), 'tied.onnx');
    const readers = model.graph!.node.filter((n) => n.input[1] === 'shared.weight');
    expect(readers.length).toBe(2);
    const names = [...model.graph!.initializer.map((t) => t.name), ...model.graph!.node.flatMap((n) => n.output)];
    expect(new Set(names).size).toBe(names.length);
  }, 60_000);
});
