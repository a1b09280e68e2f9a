// Broken models as users bring them, through the real CLI: each is refused before any work with a
// message naming the file and the tensor or node (no stack trace), and the input is left as it was.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeModel, encodeModel } from '../core/onnx/codec.js';
import { Long, type ModelProto } from '../core/onnx/proto.js';
import { makeTensor, tensorDims, tensorToFloat32 } from '../core/onnx/tensor.js';
import { runCli } from './test-utils/run-cli.js';

const SOURCE = 'tools/fixtures/models/resnet-basic-fused.onnx';
const root = mkdtempSync(join(tmpdir(), 'cli-broken-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The fixture with `edit` applied, written to a temporary file; returns its path. */
function broken(name: string, edit: (m: ModelProto) => void): string {
  const model = decodeModel(readFileSync(SOURCE), SOURCE);
  edit(model);
  const path = join(root, `${name}.onnx`);
  writeFileSync(path, encodeModel(model));
  return path;
}

const firstConvWeight = (m: ModelProto) => m.graph!.initializer.find((t) => t.name === m.graph!.node.find((n) => n.opType === 'Conv')!.input[1])!;

async function expectRefused(path: string, ...wanted: RegExp[]) {
  const before = readFileSync(path);
  const out = join(root, 'out.onnx');
  const r = await runCli(['prune', path, '-o', out, '--ratio', '0.3']);
  expect(r.code, r.err).toBe(1);
  for (const w of wanted) expect(r.err).toMatch(w);
  expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  expect(existsSync(out)).toBe(false);
  expect(readFileSync(path).equals(before)).toBe(true);
}

describe('prune refuses broken models', () => {
  it('a weight whose raw_data is half its declared size', async () => {
    const path = broken('half', (m) => {
      const w = firstConvWeight(m);
      w.rawData = w.rawData.subarray(0, w.rawData.length / 2);
    });
    await expectRefused(path, /half\.onnx: not a valid model/, /tensor "[^"]+": raw_data holds \d+ bytes but \[[\d,]+\] of this type needs \d+/);
  });

  it('a Conv weight with the wrong input width (not "repaired" by pruning)', async () => {
    const path = broken('width', (m) => {
      const w = firstConvWeight(m);
      const dims = tensorDims(w);
      const narrower = [dims[0]!, dims[1]! - 1, ...dims.slice(2)];
      const values = tensorToFloat32(w).slice(0, narrower.reduce((a, d) => a * d, 1));
      Object.assign(w, makeTensor(w.name, narrower, w.dataType, values));
    });
    await expectRefused(path, /Conv node "[^"]+": input "input" has 3 channels but weight "[^"]+" \[\d+,2,\d+,\d+\] with group=1 expects 2/);
  });

  it('a self-loop and a cycle', async () => {
    const selfLoop = broken('self-loop', (m) => {
      const relu = m.graph!.node.find((n) => n.opType === 'Relu')!;
      relu.input[0] = relu.output[0]!;
    });
    await expectRefused(selfLoop, /reads its own output "[^"]+" \(a self-loop\)/);
    const cycle = broken('cycle', (m) => {
      const nodes = m.graph!.node;
      const a = nodes.findIndex((n) => n.opType === 'Relu');
      const b = nodes.findIndex((n, i) => i > a + 1 && n.opType === 'Relu');
      nodes[a]!.input[0] = nodes[b]!.output[0]!;
    });
    await expectRefused(cycle, /is part of a cycle through/);
  });

  it('NaN weights: refused by l2 unless --allow-non-finite, which leaves that group unpruned', async () => {
    const path = broken('nan', (m) => {
      const w = firstConvWeight(m);
      const values = tensorToFloat32(w).slice();
      values[3] = NaN;
      Object.assign(w, makeTensor(w.name, tensorDims(w), w.dataType, values));
      w.dims = w.dims.map((d) => Long.fromValue(d));
    });
    await expectRefused(path, /criterion "l2" gives NaN or infinite scores for 1 group \("[^"]+"\)/, /--allow-non-finite/);
    const out = join(root, 'nan-pruned.onnx');
    const plan = join(root, 'nan-plan.json');
    const r = await runCli(['prune', path, '-o', out, '--ratio', '0.3', '--allow-non-finite', '--plan-out', plan]);
    expect(r.code, r.err).toBe(0);
    const groups = Object.keys(JSON.parse(readFileSync(plan, 'utf8')).groups);
    const nanGroup = decodeModel(readFileSync(SOURCE), SOURCE).graph!.node.find((n) => n.opType === 'Conv')!.name;
    expect(groups.length).toBeGreaterThan(1);
    expect(groups).not.toContain(nanGroup);
  });
});
