// The inspect command end to end: through main() (argv parsing, registry, error handling) and
// through the real bin script in a child process (exit code and stderr as a user sees them).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { InspectReport } from './format/inspect-report.js';
import { runCli } from './test-utils/run-cli.js';

const run = runCli;

const RESNET18 = 'tools/fixtures/shape-only/resnet18.onnx';

describe('prune-studio inspect', () => {
  it('--json reports the documented top-level fields for ResNet-18', async () => {
    const { code, out, err } = await run(['inspect', RESNET18, '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const r = JSON.parse(out) as InspectReport;
    expect(r.schemaVersion).toBe(1);
    expect(r.file).toBe(RESNET18);
    expect(r.inputs).toEqual([{ name: 'input', shape: ['batch', 3, 224, 224], dataType: 'FLOAT' }]);
    expect(r.outputs).toEqual([{ name: 'output', shape: ['batch', 1000], dataType: 'FLOAT' }]);
    expect(r.opsets).toEqual({ 'ai.onnx': 13 });
    expect(r.producer.name).toBe('pytorch');
    expect(r.weightsStripped).toBe(true);
    expect(r.macs / 1e9).toBeCloseTo(1.814, 3);
    expect(r.params).toBeGreaterThan(11_600_000);
    expect(r.bytes).toBe(r.params * 4);
    expect(r.opCounts.Conv).toBe(20);
    expect(r.unknownShapes).toEqual([]);
    expect(r.nodes).toHaveLength(Object.values(r.opCounts).reduce((a, b) => a + b, 0));
    expect(r.nodes.find((n) => n.id === '/conv1/Conv')).toEqual({ id: '/conv1/Conv', opType: 'Conv', outputShape: ['batch', 64, 112, 112], params: 9472, bytes: 37888, macs: 118013952 });
  });

  it('prints a readable summary and per-node table without --json', async () => {
    const { code, out } = await run(['inspect', RESNET18]);
    expect(code).toBe(0);
    expect(out).toContain('MACs      1.81 G per sample');
    expect(out).toContain('input  FLOAT [batch,3,224,224]');
    expect(out).toMatch(/\/conv1\/Conv\s+Conv\s+\[batch,64,112,112\]\s+9,472\s+118,013,952/);
  });

  it('fails with a message on stderr and exit code 1 for a file that is not ONNX', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inspect-'));
    const bad = join(dir, 'notes.onnx');
    writeFileSync(bad, 'this is not a protobuf model at all');
    const { code, out, err } = await run(['inspect', bad]);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(bad);
  });

  it('fails with usage on stderr and exit code 2 without a MODEL or for an unknown command', async () => {
    const missing = await run(['inspect']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('Usage: prune-studio inspect MODEL');
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown command "frobnicate"');
  });

  it('works through bin/prune-studio.mjs, with a non-zero exit for a missing file', async () => {
    const exec = promisify(execFile);
    const ok = await exec('node', ['bin/prune-studio.mjs', 'inspect', RESNET18, '--json']);
    expect((JSON.parse(ok.stdout) as InspectReport).opCounts.Conv).toBe(20);
    const failed = await exec('node', ['bin/prune-studio.mjs', 'inspect', 'no-such-model.onnx']).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('cannot read no-such-model.onnx');
  }, 30_000);
});
