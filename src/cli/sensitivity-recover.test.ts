// Recovery-aware sensitivity from the CLI: `sensitivity --recover lsq` measures every point after the
// refit and says so; `prune --allocate sensitivity --sensitivity-recover lsq` allocates on those curves
// and reports it; distillation and a non-sensitivity allocation are refused with what to do instead.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SensitivityResult } from '../core/score/sensitivity.js';
import type { PruneReport } from './commands/prune.js';
import { targetText } from './data/prune-target.js';
import { runCli } from './test-utils/run-cli.js';

const MODEL = 'public/models/fmnist-vgg.onnx';
const dir = mkdtempSync(join(tmpdir(), 'sens-recover-'));
const IMAGES = ['--images', 'public/samples/calibration'];
const common = [...IMAGES, '--limit', '32'];
/** prune reads every calibration image and measures 9 ratios per group: the small two-task fixture keeps it quick. */
const SMALL = 'tools/fixtures/models/multi-task.onnx';

describe('recovery-aware sensitivity (CLI)', () => {
  it('sensitivity --recover lsq: every point after the refit, lower drops than without', async () => {
    const args = ['sensitivity', MODEL, ...common, '--ratios', '0.5,0.8', '--metric', 'kl'];
    const plain = JSON.parse((await runCli([...args, '--json'])).out) as SensitivityResult;
    const r = await runCli([...args, '--recover', 'lsq', '--json']);
    expect(r.code, r.err).toBe(0);
    const recovered = JSON.parse(r.out) as SensitivityResult;
    expect(recovered.recovery).toBe('lsq');
    const sum = (s: SensitivityResult) => Object.values(s.curves).flatMap((c) => c.drop).reduce((a, b) => a + b, 0);
    expect(sum(recovered)).toBeLessThan(sum(plain));
    const text = await runCli([...args, '--recover', 'lsq', '--ratios', '0.5']);
    expect(text.out).toMatch(/each point after lsq/);
  });

  it('prune --allocate sensitivity --sensitivity-recover lsq reports the curves it allocated on', async () => {
    const r = await runCli(['prune', SMALL, '-o', join(dir, 'p.onnx'), ...IMAGES, '--keep-macs', '0.6', '--allocate', 'sensitivity', '--sensitivity-recover', 'lsq', '--recover', 'lsq', '--json']);
    expect(r.code, r.err).toBe(0);
    const report = JSON.parse(r.out) as PruneReport;
    expect(report.allocation!.curveRecovery).toBe('lsq');
    expect(report.target!.met).toBe(true);
    expect(targetText(report.target!, report.allocation!, undefined).line).toMatch(/\(sensitivity, curves after lsq\): kept/);
  });

  it('refuses distillation per curve point and curves nobody reads', async () => {
    const distill = await runCli(['prune', SMALL, '-o', join(dir, 'x.onnx'), ...IMAGES, '--keep-macs', '0.6', '--allocate', 'sensitivity', '--sensitivity-recover', 'distill']);
    expect(distill.code).not.toBe(0);
    expect(distill.err).toMatch(/--sensitivity-recover lsq\) and distil the final model/);
    const global = await runCli(['prune', SMALL, '-o', join(dir, 'x.onnx'), ...IMAGES, '--keep-macs', '0.6', '--sensitivity-recover', 'lsq']);
    expect(global.code).not.toBe(0);
    expect(global.err).toMatch(/needs --allocate sensitivity, not global/);
    const sens = await runCli(['sensitivity', MODEL, ...common, '--recover', 'distill']);
    expect(sens.err).toMatch(/--recover distill would train once per group and ratio/);
  });
});
