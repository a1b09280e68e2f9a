// ONNX I/O speed and memory on a full-width ResNet-50 (≈100 MB): decode + shape inference + encode.
import { readFileSync, statSync } from 'node:fs';
import { decodeModel, encodeModel } from '../src/core/onnx/codec.js';
import { buildGraph } from '../src/core/graph/ir.js';
import { inferShapes } from '../src/core/graph/shapes.js';
import { ensureTorchvisionExport, measurePeakMemory, timeIt, type BenchContext, type BenchRow } from './harness.js';

const SUITE = 'onnx-io';
const TOTAL_TARGET_MS = 300;
const PEAK_TARGET_RATIO = 2.5;

export default async function onnxIo(ctx: BenchContext): Promise<BenchRow[]> {
  const file = ensureTorchvisionExport(ctx, 'resnet50');
  if (!file) return [];
  const fileBytes = statSync(file).size;
  const bytes = new Uint8Array(readFileSync(file));
  const caseName = `resnet50 (${(fileBytes / 2 ** 20).toFixed(1)} MiB)`;
  const opts = { warmup: 2, runs: 7 };

  const decodeMs = await timeIt(() => decodeModel(bytes, file), opts);
  const model = decodeModel(bytes, file);
  const shapesMs = await timeIt(() => inferShapes(buildGraph(model)), opts);
  const encodeMs = await timeIt(() => encodeModel(model), opts);
  const totalMs = await timeIt(() => {
    const m = decodeModel(bytes, file);
    inferShapes(buildGraph(m));
    return encodeModel(m);
  }, opts);

  // Peak memory of the whole load → analyse → save cycle, the file read included.
  const { peakBytes } = await measurePeakMemory((sample) => {
    const data = readFileSync(file);
    sample();
    const m = decodeModel(data, file);
    sample();
    inferShapes(buildGraph(m));
    sample();
    const out = encodeModel(m);
    sample();
    return { data, m, out };
  });
  const ratio = peakBytes / fileBytes;
  const row = (metric: string, value: number, unit: string, target?: string, pass?: boolean): BenchRow => ({
    suite: SUITE, case: caseName, metric, value, unit, ...(target ? { target, pass } : {}),
  });
  return [
    row('decode', decodeMs, 'ms'),
    row('buildGraph+inferShapes', shapesMs, 'ms'),
    row('encode', encodeMs, 'ms'),
    row('decode+shapes+encode', totalMs, 'ms', `≤ ${TOTAL_TARGET_MS} ms`, totalMs <= TOTAL_TARGET_MS),
    row('peak memory', peakBytes / 2 ** 20, 'MiB'),
    row('peak / file size', ratio, '×', `≤ ${PEAK_TARGET_RATIO}×`, ratio <= PEAK_TARGET_RATIO),
  ];
}
