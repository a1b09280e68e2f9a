// Tensor payloads against the reference implementation: test-data/tensors.onnx was written by the
// ONNX Python package (make_fixtures.py) with every numeric type stored both as raw_data and as
// typed fields; tensors.expected.json holds what numpy reads back.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeModel, encodeModel } from './codec';
import { Long, onnx, TensorDataType as DT, type TensorProto } from './proto';
import { makeInt64Tensor, makeTensor, tensorDims, tensorToBigInt64, tensorToFloat32, tensorToNumbers } from './tensor';
import { buildGraph, constantTensor } from '../graph/ir';

const FIXTURE = 'src/core/onnx/test-data/tensors.onnx';
const fileBytes = new Uint8Array(readFileSync(FIXTURE));
const expected = JSON.parse(readFileSync('src/core/onnx/test-data/tensors.expected.json', 'utf8')) as Record<
  string,
  { dataType: number; dims: number[]; values: (number | string)[] }
>;
const model = decodeModel(fileBytes, 'tensors.onnx');
const ir = buildGraph(model);

const initializerNames = model.graph!.initializer.map((t) => t.name);

describe('tensor payloads written by the ONNX Python package', () => {
  it('holds every type in both storage forms', () => {
    for (const type of ['float', 'double', 'int32', 'int64', 'float16', 'bfloat16', 'int8', 'uint8', 'int16', 'uint16', 'bool']) {
      expect(initializerNames).toContain(`${type}_raw`);
      expect(initializerNames).toContain(`${type}_typed`);
    }
    expect(ir.initializers.get('float_raw')!.rawData.length).toBe(24);
    expect(ir.initializers.get('float_typed')!.rawData.length).toBe(0);
    expect(ir.initializers.get('float_typed')!.floatData.length).toBe(6);
  });

  it.each(initializerNames)('reads %s like numpy does', (name) => {
    const t = ir.initializers.get(name)!;
    const want = expected[name]!;
    expect(t.dataType).toBe(want.dataType);
    expect(tensorDims(t)).toEqual(want.dims);
    if (t.dataType === DT.INT64) {
      expect(Array.from(tensorToBigInt64(t), String)).toEqual(want.values);
      // The float64 view rounds like Number(BigInt) does.
      expect(Array.from(tensorToNumbers(t))).toEqual(want.values.map((v) => Number(BigInt(v))));
    } else {
      expect(Array.from(tensorToNumbers(t))).toEqual(want.values);
    }
  });

  it('keeps int64 values beyond 2^53 exact through decode → encode, as Long in int64_data', () => {
    const typed = ir.initializers.get('int64_typed')!;
    expect(Long.isLong(typed.int64Data[0])).toBe(true);
    expect((typed.int64Data[0] as Long).toString()).toBe(String(2n ** 53n + 1n));
    expect((typed.int64Data[1] as Long).toString()).toBe(String(-(2n ** 63n)));
    const again = decodeModel(encodeModel(model), 'again.onnx');
    const t2 = again.graph!.initializer.find((t) => t.name === 'int64_typed')!;
    expect(t2.int64Data.map((v) => (v as Long).toString())).toEqual(expected.int64_typed!.values);
    expect(Array.from(encodeModel(again))).toEqual(Array.from(fileBytes));
  });

  it.each([
    ['c_value', 'value'],
    ['c_value_float', 'value_float'],
    ['c_value_floats', 'value_floats'],
    ['c_value_int', 'value_int'],
    ['c_value_ints', 'value_ints'],
  ])('constantTensor reads the Constant node output %s (%s)', (name) => {
    const t = constantTensor(ir, name)!;
    const want = expected[name]!;
    expect(t, name).toBeDefined();
    expect(t.dataType).toBe(want.dataType);
    expect(tensorDims(t)).toEqual(want.dims);
    const values = t.dataType === DT.INT64 ? Array.from(tensorToBigInt64(t), String) : Array.from(tensorToNumbers(t));
    expect(values).toEqual(want.values);
  });

  it('constantTensor returns undefined for names that are not constant', () => {
    expect(constantTensor(ir, 'no_such_tensor')).toBeUndefined();
  });
});

describe('makeTensor', () => {
  it.each([
    ['FLOAT', DT.FLOAT, [1.5, -2, 0.25]],
    ['DOUBLE', DT.DOUBLE, [1 / 3, -1e300, 0]],
    ['INT32', DT.INT32, [-2147483648, 0, 2147483647]],
    ['INT64', DT.INT64, [-(2 ** 53), 0, 2 ** 40]],
    ['FLOAT16', DT.FLOAT16, [1, -2, 0.5, 65504]],
    ['BFLOAT16', DT.BFLOAT16, [1, -2, 0.5, 3.140625]],
    ['INT8', DT.INT8, [-128, 127, 0]],
    ['UINT8', DT.UINT8, [0, 255, 7]],
    ['BOOL', DT.BOOL, [1, 0, 1]],
  ])('%s survives encode → decode through raw_data', (_label, dataType, values) => {
    const t = makeTensor('t', [values.length], dataType, values);
    const back = onnx.TensorProto.decode(onnx.TensorProto.encode(t).finish()) as unknown as TensorProto;
    expect(Array.from(tensorToNumbers(back))).toEqual(values);
  });

  it('rounds float16 to nearest, ties to even, exactly like numpy.float16', () => {
    // [input, float(np.float16(input))] as printed by numpy 1.x
    const cases: [number, number][] = [
      [1 + 2 ** -11, 1.0], [1 + 3 * 2 ** -11, 1.001953125], [0.1, 0.0999755859375], [65519, 65504],
      [65520, Infinity], [2 ** -25, 0], [3 * 2 ** -25, 1.1920928955078125e-7],
      [-2.0009765625e-3, -0.0020008087158203125], [1.001220703125, 1.0009765625], [-0, -0],
    ];
    const t = makeTensor('h', [cases.length], DT.FLOAT16, cases.map(([input]) => input));
    expect(Array.from(tensorToNumbers(t))).toEqual(cases.map(([, want]) => want));
  });

  it('makeInt64Tensor keeps values beyond 2^53', () => {
    const big = [2n ** 62n + 3n, -(2n ** 63n), 9007199254740993n];
    const t = makeInt64Tensor('i', [3], [big[0]!, Long.fromString(big[1]!.toString()), big[2]!]);
    expect(Array.from(tensorToBigInt64(t))).toEqual(big);
  });
});

describe('zero-copy payloads', () => {
  /** The file bytes copied to a fresh buffer at a shift that puts `tensor`'s raw_data on a 4-byte boundary. */
  function alignedCopy(name: string, alignment: 0 | 1 | 2 | 3): Uint8Array {
    const offsetInFile = ir.initializers.get(name)!.rawData.byteOffset - fileBytes.byteOffset;
    const shift = (((alignment - offsetInFile) % 4) + 4) % 4 || 4; // (shift + offset) % 4 === alignment
    const buffer = new ArrayBuffer(fileBytes.length + 8);
    const bytes = new Uint8Array(buffer, shift, fileBytes.length);
    bytes.set(fileBytes);
    return bytes;
  }

  it('tensorToFloat32 on aligned raw_data is a view into the file bytes', () => {
    const bytes = alignedCopy('float_raw', 0);
    const t = decodeModel(bytes, 'aligned.onnx').graph!.initializer.find((x) => x.name === 'float_raw')!;
    expect(t.rawData.byteOffset % 4).toBe(0);
    const values = tensorToFloat32(t);
    expect(values.buffer).toBe(bytes.buffer);
    expect(Array.from(values)).toEqual(expected.float_raw!.values.map((v) => Math.fround(v as number)));
    // Writing through the file bytes shows up in the view: it really is the same memory.
    new DataView(bytes.buffer).setFloat32(values.byteOffset, 123.5, true);
    expect(values[0]).toBe(123.5);
  });

  it('tensorToFloat32 on unaligned raw_data copies, with the same values', () => {
    const bytes = alignedCopy('float_raw', 1);
    const t = decodeModel(bytes, 'unaligned.onnx').graph!.initializer.find((x) => x.name === 'float_raw')!;
    expect(t.rawData.byteOffset % 4).not.toBe(0);
    expect(t.rawData.buffer).toBe(bytes.buffer); // raw_data itself is still a view
    const values = tensorToFloat32(t);
    expect(values.buffer).not.toBe(bytes.buffer);
    expect(Array.from(values)).toEqual(expected.float_raw!.values.map((v) => Math.fround(v as number)));
  });

  it('refuses to read a tensor whose data is in an unloaded external file', () => {
    const t = makeTensor('w', [2], DT.FLOAT, [1, 2]);
    t.rawData = new Uint8Array();
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [{ key: 'location', value: 'weights.bin' } as TensorProto['externalData'][number]];
    expect(() => tensorToFloat32(t)).toThrow(/external data file "weights.bin"/);
    expect(() => tensorToNumbers(t)).toThrow(/external data file "weights.bin"/);
  });

  it('rejects raw_data shorter than the shape needs with a clear message', () => {
    const t = makeTensor('short', [4], DT.FLOAT, [1, 2, 3, 4]);
    t.rawData = t.rawData.subarray(0, 8);
    expect(() => tensorToNumbers(t)).toThrow(/raw_data holds 8 bytes but its shape needs 16/);
  });
});

describe('tensorToFloat32 on Node Buffers', () => {
  it('copies unaligned raw_data even when it is a Buffer view', async () => {
    const { Buffer } = await import('node:buffer');
    const pool = Buffer.alloc(64);
    const raw = pool.subarray(1, 9); // unaligned, and Buffer#slice would return a view of the pool
    new DataView(raw.buffer, raw.byteOffset, 8).setFloat32(0, 1.5, true);
    const t = makeTensor('x', [2], 1, [0, 0]);
    t.rawData = raw;
    expect(Array.from(tensorToFloat32(t))).toEqual([1.5, 0]);
  });
});
