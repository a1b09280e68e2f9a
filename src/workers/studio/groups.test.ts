// listGroups on a real torch export: each group names the tensors carrying its channels, so the
// graph can show per-node channel counts without asking the worker again.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runJob } from '../jobs';
import { listGroups } from './groups';
import { loadModel } from './load-model';
import { requireLoadedModel } from './loaded-model';

describe('listGroups channel ranges', () => {
  it('names the producer output of every group over its whole range, and every range fits the group', async () => {
    const bytes = readFileSync('e2e/fixtures/small-cnn.onnx');
    const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    const r = await runJob(1, () => loadModel({ jobId: 901, bytes: copy, fileName: 'small-cnn.onnx' }));
    if (!r.ok) throw new Error(r.error.message);
    const { ir } = requireLoadedModel();
    const groups = listGroups();
    expect(groups.length).toBeGreaterThan(1);
    for (const g of groups) {
      const producer = ir.nodes.find((n) => ir.nodeId.get(n) === g.id);
      const ranges = g.tensors ?? [];
      if (producer) expect(ranges).toContainEqual({ tensor: producer.output[0], start: 0, length: g.channels });
      for (const range of ranges) {
        expect(range.length).toBeGreaterThan(0);
        expect(range.start + range.length).toBeLessThanOrEqual(g.channels);
      }
    }
    // Channel-transparent ops downstream (Relu, pooling) carry the same channels as their producer.
    const tensorsOfAll = new Set(groups.flatMap((g) => (g.tensors ?? []).map((t) => t.tensor)));
    expect(tensorsOfAll.size).toBeGreaterThan(groups.length);
  });
});
