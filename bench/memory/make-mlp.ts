// Writes a three-layer MLP (Gemm → Relu → MatMul → Relu → Gemm) of any size with its weights in
// one external data file, streaming the random weights to disk: a 2.35 GB model is generated in
// seconds with a few MB of memory. Used by bench/memory.bench.ts and for checks by hand:
//   node --import tsx bench/memory/make-mlp.ts OUT.onnx HIDDEN [INPUTS] [OUTPUTS]
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { encodeModel } from '../../src/core/onnx/codec.js';
import { onnx, type ModelProto } from '../../src/core/onnx/proto.js';

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const ALIGN = 4096;

export interface MlpSize {
  inputs: number;
  hidden: number;
  outputs: number;
}

/** Parameter bytes of an MLP of this size (float32). */
export const mlpBytes = ({ inputs, hidden, outputs }: MlpSize) => 4 * (inputs * hidden + hidden + hidden * hidden + hidden * outputs + outputs);

/** Writes OUT and OUT.data; returns the total bytes on disk. */
export function writeMlp(out: string, size: MlpSize, seed = 1): number {
  const { inputs, hidden, outputs } = size;
  const location = `${basename(out)}.data`;
  const weights: { name: string; dims: number[] }[] = [
    { name: 'fc1.weight', dims: [hidden, inputs] },
    { name: 'fc1.bias', dims: [hidden] },
    { name: 'fc2.weight.t', dims: [hidden, hidden] }, // MatMul takes [in, out]
    { name: 'fc3.weight', dims: [outputs, hidden] },
    { name: 'fc3.bias', dims: [outputs] },
  ];
  const fd = openSync(`${out}.data`, 'w');
  let offset = 0;
  let state = seed >>> 0;
  const chunk = new Float32Array(1 << 20);
  const initializer = weights.map(({ name, dims }) => {
    offset = Math.ceil(offset / ALIGN) * ALIGN;
    const count = dims.reduce((a, b) => a * b, 1);
    const scale = 1 / Math.sqrt(dims[dims.length - 1]!);
    for (let done = 0; done < count; ) {
      const n = Math.min(chunk.length, count - done);
      for (let i = 0; i < n; i++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0; // LCG: fast, deterministic
        chunk[i] = (state / 2 ** 32 - 0.5) * 2 * scale;
      }
      writeSync(fd, new Uint8Array(chunk.buffer, 0, n * 4), 0, n * 4, offset + done * 4);
      done += n;
    }
    const tensor = onnx.TensorProto.create({
      name, dims, dataType: FLOAT, dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [{ key: 'location', value: location }, { key: 'offset', value: String(offset) }, { key: 'length', value: String(count * 4) }],
    } as never); // plain numbers for int64 dims: the encoder takes them, the typings want Long
    offset += count * 4;
    return tensor;
  });
  closeSync(fd);
  const info = (name: string, dims: (number | string)[]) =>
    onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } } as never);
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'prune-studio bench',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'mlp',
      input: [info('input', ['batch', inputs])],
      output: [info('output', ['batch', outputs])],
      initializer,
      node: [
        { opType: 'Gemm', name: 'fc1', input: ['input', 'fc1.weight', 'fc1.bias'], output: ['h1'], attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
        { opType: 'Relu', name: 'relu1', input: ['h1'], output: ['a1'] },
        { opType: 'MatMul', name: 'fc2', input: ['a1', 'fc2.weight.t'], output: ['h2'] },
        { opType: 'Relu', name: 'relu2', input: ['h2'], output: ['a2'] },
        { opType: 'Gemm', name: 'fc3', input: ['a2', 'fc3.weight', 'fc3.bias'], output: ['output'], attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
      ],
    },
  } as never);
  const bytes = encodeModel(model as unknown as ModelProto);
  const mfd = openSync(out, 'w');
  writeSync(mfd, bytes);
  closeSync(mfd);
  return bytes.length + offset;
}

if (process.argv[1]?.endsWith('make-mlp.ts')) {
  const [out, hidden, inputs = '4096', outputs = '1000'] = process.argv.slice(2);
  if (!out || !hidden) throw new Error('usage: make-mlp.ts OUT.onnx HIDDEN [INPUTS] [OUTPUTS]');
  const size = { inputs: Number(inputs), hidden: Number(hidden), outputs: Number(outputs) };
  const bytes = writeMlp(out, size);
  console.log(`${out}: ${(bytes / 1e9).toFixed(3)} GB (${(mlpBytes(size) / 1e9).toFixed(3)} GB of weights)`);
}
