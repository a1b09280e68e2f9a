// What the compression commands (lowrank, sparsify) print: before/after params, MACs and bytes,
// the file sizes, and the size of the file once zipped (deflate, what users ship).
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { createDeflateRaw } from 'node:zlib';
import { modelMetrics } from '../../core/metrics/model-metrics.js';
import type { ShapeOptions } from '../../core/graph/shapes.js';
import type { ModelProto } from '../../core/onnx/proto.js';

export interface SizeSummary {
  params: number;
  macs: number;
  macsLowerBound: boolean;
  bytes: number;
}

export function sizeSummary(model: ModelProto, options: ShapeOptions): SizeSummary {
  const m = modelMetrics(model, options);
  return { params: m.params, macs: m.macs, macsLowerBound: m.macsLowerBound, bytes: m.bytes };
}

/** Bytes of the files deflated as zip stores them (level 6, zip's default; headers add ~100 bytes a file), streamed. */
export async function zippedBytes(paths: readonly string[]): Promise<number> {
  let total = 0;
  for (const path of paths) {
    const deflate = createDeflateRaw({ level: 6 });
    deflate.on('data', (chunk: Buffer) => (total += chunk.length));
    await pipeline(createReadStream(path), deflate);
  }
  return total;
}

/** The change from a to b as a signed share of a: "−39.6%" when it shrank, "+4.9%" when it grew. */
export const change = (a: number, b: number) => {
  const share = a === 0 ? 0 : ((b - a) / a) * 100;
  return `${share < 0 ? '−' : share > 0 ? '+' : '±'}${Math.abs(share).toFixed(1)}%`;
};
const n = (x: number) => x.toLocaleString('en');

/** The before → after lines shared by the compression commands. */
export function sizeLines(before: SizeSummary, after: SizeSummary, files?: { before: number; after: number; zippedBefore: number; zippedAfter: number }): string[] {
  const macs = (m: SizeSummary) => `${m.macsLowerBound ? '≥ ' : ''}${n(m.macs)}`;
  return [
    `  params  ${n(before.params)} → ${n(after.params)}  (${change(before.params, after.params)})`,
    `  MACs    ${macs(before)} → ${macs(after)}  (${change(before.macs, after.macs)})${before.macsLowerBound ? '  (lower bounds: give --input-shape for dynamic input dims)' : ''}`,
    `  bytes   ${n(before.bytes)} → ${n(after.bytes)}  (${change(before.bytes, after.bytes)})`,
    ...(files ? [
      `  file    ${n(files.before)} → ${n(files.after)} bytes`,
      `  zipped  ${n(files.zippedBefore)} → ${n(files.zippedAfter)} bytes  (${change(files.zippedBefore, files.zippedAfter)})`,
    ] : []),
  ];
}
