// The studio's recovery-aware sensitivity ("Measure each point after least squares"), through the
// worker's own sensitivity call on the two-task fixture and a few bundled calibration images: curves
// measured after the least-squares refit are recorded as such, lose less at high ratios than plain
// ones, and each setting has its own cached run (a plain run is never served for an lsq one, nor the
// reverse). The worker decodes with browser APIs and runs on WASM; here the decoder is the Node one
// and sessions open on onnxruntime-node (the same core code runs either way).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { inferPreprocess } from '../../core/images/presets';
import { listImageFolder } from '../../runtime/node-images';
import { runJob } from '../jobs';
import type { SensitivityRequest, SensitivityResult } from '../protocol';
import { loadModel } from './load-model';
import { requireLoadedModel } from './loaded-model';
import { lastSensitivity, sensitivity } from './sensitivity';

vi.mock('../../runtime/web-images', async (importOriginal) => (await import('./test-utils/node-runtime')).nodeWebImages(importOriginal));
vi.mock('../../runtime/session', async (importOriginal) => (await import('./test-utils/node-runtime')).nodeSessions(importOriginal));

const MODEL = 'tools/fixtures/models/multi-task.onnx';
const IMAGES = 16;
let job = 9500;

/** The request as the page sends it (fresh buffers each time: the page transfers them). */
function request(recovery?: 'lsq'): SensitivityRequest {
  const model = requireLoadedModel().model;
  const dims = model.graph!.input[0]!.type!.tensorType!.shape!.dim.map((d) => (d.dimValue ? Number(d.dimValue) : d.dimParam ?? '?'));
  const entries = listImageFolder(join(process.cwd(), 'public/samples/calibration'), IMAGES).entries;
  const images = entries.map((e) => { const b = readFileSync(e.path); return { name: e.path, bytes: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer }; });
  return { jobId: job++, criterion: 'l1', ratios: [0.5, 0.75], images, preprocess: { preset: 'unit', ...inferPreprocess(dims) }, ...(recovery ? { recovery } : {}) };
}

async function run(recovery?: 'lsq', stages: string[] = []): Promise<SensitivityResult> {
  const r = await runJob(job, () => sensitivity(request(recovery), (p) => stages.push(p.stage)));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Sum over groups of the largest drop over the outputs at ratio index `i` (what the allocator weighs). */
const worst = (r: SensitivityResult, i: number) =>
  Object.values(r.perOutput!).reduce((sum, byOutput) => sum + Math.max(...Object.values(byOutput).map((d) => d[i]!)), 0);

describe('recovery-aware sensitivity in the studio worker', () => {
  it('lsq curves are recorded as such, lose less at high ratios, and are cached apart from plain ones', async () => {
    const bytes = readFileSync(MODEL);
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const loaded = await runJob(job++, () => loadModel({ jobId: job++, bytes: copy, fileName: 'multi-task.onnx' }));
    if (!loaded.ok) throw new Error(loaded.error.message);

    const plain = await run();
    expect(plain.recovery).toBeUndefined();
    expect(plain.metric).toBe('agreement');
    expect(lastSensitivity(requireLoadedModel())?.recovery).toBeUndefined();

    const progress: string[] = [];
    const r = await runJob(job, () => sensitivity(request('lsq'), (p) => progress.push(p.message)));
    if (!r.ok) throw new Error(r.error.message);
    const lsq = r.value;
    expect(lsq.recovery).toBe('lsq');
    // The allocation ("sensitivity → MACs target") now reads the lsq curves.
    expect(lastSensitivity(requireLoadedModel())?.recovery).toBe('lsq');
    expect(progress.some((m) => /after least squares \(\d+\/\d+\)/.test(m))).toBe(true);
    // Measured, not served from the plain run: other numbers, and less lost at 75 % once refitted.
    expect(lsq.perOutput).not.toEqual(plain.perOutput);
    expect(worst(lsq, 1)).toBeLessThan(worst(plain, 1));
    const recon = (x: SensitivityResult) => Object.values(x.perOutput!).reduce((s, o) => s + o.reconstruction![1]!, 0);
    expect(recon(lsq)).toBeLessThan(recon(plain));

    // Each setting again: its own cached run (nothing runs), and the allocator follows the one asked last.
    const stages: string[] = [];
    expect(await run(undefined, stages)).toEqual(plain);
    expect(lastSensitivity(requireLoadedModel())?.recovery).toBeUndefined();
    expect(await run('lsq', stages)).toEqual(lsq);
    expect(lastSensitivity(requireLoadedModel())?.recovery).toBe('lsq');
    expect(stages).not.toContain('run');
  }, 120_000);
});
