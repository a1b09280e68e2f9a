// --input-shape: parsing and checking against the model's inputs, and what it changes in the cost
// reports of inspect and prune (dynamic H/W resolved; without it the MACs say they are a lower bound).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../core/onnx/codec.js';
import type { InspectReport } from './format/inspect-report.js';
import { parseInputShapes, resolveInputShapes } from './input-shape.js';
import { runCli } from './test-utils/run-cli.js';
import type { PruneReport } from './commands/prune.js';

const SWIN = 'src/core/graph/test-data/tiny-swin.onnx'; // input [batch, 3, height, width]
const ENCODER = 'src/core/graph/test-data/tiny-encoder.onnx'; // the same, one prunable MLP group
const RESNET18 = 'tools/fixtures/shape-only/resnet18.onnx'; // input [batch, 3, 224, 224]

describe('parseInputShapes / resolveInputShapes', () => {
  const swin = decodeModel(readFileSync(SWIN), SWIN);

  it('reads an unnamed shape and named shapes separated by ";"', () => {
    expect(parseInputShapes('1,3,640,640')).toEqual([{ name: undefined, dims: [1, 3, 640, 640] }]);
    expect(parseInputShapes('images=1,3,64,64; im_info=1,2')).toEqual([{ name: 'images', dims: [1, 3, 64, 64] }, { name: 'im_info', dims: [1, 2] }]);
  });

  it('refuses dims that are not positive integers', () => {
    for (const bad of ['', '1,3,x,64', '1,3,0,64', '1,3,-1,64', '1,3,,64', '=1,3']) expect(() => parseInputShapes(bad), bad).toThrow(/--input-shape/);
  });

  it('checks names, rank and the dims the model fixes', () => {
    expect(resolveInputShapes(parseInputShapes('1,3,40,56'), swin)).toEqual(new Map([['input', [1, 3, 40, 56]]]));
    expect(resolveInputShapes(parseInputShapes('input=1,3,40,56'), swin).get('input')).toEqual([1, 3, 40, 56]);
    expect(() => resolveInputShapes(parseInputShapes('images=1,3,40,56'), swin)).toThrow(/no input "images" \(inputs: input\)/);
    expect(() => resolveInputShapes(parseInputShapes('1,3,40'), swin)).toThrow(/has 4 dims/);
    expect(() => resolveInputShapes(parseInputShapes('1,4,40,56'), swin)).toThrow(/dim 1 of input "input" is fixed at 3/);
  });
});

describe('--input-shape on the commands', () => {
  it('inspect: dynamic H and W resolved, the MACs exact; without it a lower bound, marked ≥', async () => {
    const given = await runCli(['inspect', SWIN, '--json', '--input-shape', '1,3,40,56']);
    expect(given.code).toBe(0);
    const r = JSON.parse(given.out) as InspectReport;
    expect(r.inputs[0]!.shape).toEqual([1, 3, 40, 56]);
    expect(r.macsLowerBound).toBe(false);
    expect(r.macsUnknown).toEqual([]);
    expect(r.unknownShapes).toEqual([]);
    expect(r.macs).toBe(751_776); // counted from the shapes onnxruntime produces at 1×3×40×56

    const bare = JSON.parse((await runCli(['inspect', SWIN, '--json'])).out) as InspectReport;
    expect(bare.macsLowerBound).toBe(true);
    expect(bare.macs).toBeLessThan(r.macs);
    const text = (await runCli(['inspect', SWIN])).out;
    expect(text).toMatch(/MACs {6}≥ \S+ \S* ?per sample \(lower bound: MACs of \d+ nodes unknown; give --input-shape/);
    expect((await runCli(['inspect', SWIN, '--input-shape=1,3,40,56'])).out).toMatch(/MACs {6}752 k per sample\n/);
  });

  it('inspect: a static model is unchanged by a matching shape, and a clashing one is a usage error', async () => {
    const plain = JSON.parse((await runCli(['inspect', RESNET18, '--json'])).out) as InspectReport;
    const given = JSON.parse((await runCli(['inspect', RESNET18, '--json', '--input-shape', '1,3,224,224'])).out) as InspectReport;
    expect(given.macs).toBe(plain.macs);
    expect(plain.macsLowerBound).toBe(false);
    const bad = await runCli(['inspect', RESNET18, '--input-shape', '1,3,320,320']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/dim 2 of input "input" is fixed at 224/);
  });

  it('groups accepts it; prune counts before/after MACs at it and says when they are lower bounds', async () => {
    expect((await runCli(['groups', SWIN, '--json', '--input-shape', '1,3,40,56'])).code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'input-shape-'));
    const prune = async (...extra: string[]) => {
      const res = await runCli(['prune', ENCODER, '-o', join(dir, 'out.onnx'), '--ratio', '0.25', '--json', ...extra]);
      expect(res.err).toBe('');
      return JSON.parse(res.out) as PruneReport;
    };
    const given = await prune('--input-shape', '1,3,16,24');
    expect(given.before).toMatchObject({ macs: 153_680, macsLowerBound: false });
    expect(given.after.macsLowerBound).toBe(false);
    expect(given.after.macs).toBeLessThan(given.before.macs);
    const bare = await prune();
    expect(bare.before.macsLowerBound).toBe(true);
  });
});
