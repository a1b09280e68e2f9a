// Corrupted files must fail with OnnxFormatError (which the UI and CLI show to the user), never with
// a TypeError/RangeError from deep inside the decoder, and never hang. Deterministic seed.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { decodeModel, encodeModel } from './codec';
import { OnnxFormatError } from './errors';
import { buildGraph } from '../graph/ir';
import { corpusModels } from './test-utils/corpus';
import { seededRandom } from '../random';

type Mutation = 'flip' | 'insert' | 'delete' | 'truncate';
const MUTATIONS: Mutation[] = ['flip', 'insert', 'delete', 'truncate'];
const MUTANTS = 4000;

function mutate(bytes: Uint8Array, kind: Mutation, rand: () => number): Uint8Array {
  const at = Math.floor(rand() * bytes.length);
  const count = 1 + Math.floor(rand() * 8);
  switch (kind) {
    case 'flip': {
      const out = bytes.slice();
      for (let i = 0; i < count; i++) {
        const pos = Math.floor(rand() * out.length);
        out[pos] = out[pos]! ^ (1 << Math.floor(rand() * 8));
      }
      return out;
    }
    case 'insert': {
      const extra = Uint8Array.from({ length: count }, () => Math.floor(rand() * 256));
      const out = new Uint8Array(bytes.length + count);
      out.set(bytes.subarray(0, at));
      out.set(extra, at);
      out.set(bytes.subarray(at), at + count);
      return out;
    }
    case 'delete': {
      const head = bytes.subarray(0, at);
      const tail = bytes.subarray(Math.min(bytes.length, at + count));
      const out = new Uint8Array(head.length + tail.length);
      out.set(head);
      out.set(tail, head.length);
      return out;
    }
    case 'truncate':
      return bytes.slice(0, at);
  }
}

/** What "decoded successfully" must guarantee to the rest of the app. */
function expectStructurallyValid(model: ReturnType<typeof decodeModel>, label: string): void {
  expect(model.graph, label).toBeTruthy();
  const ir = buildGraph(model);
  for (const node of ir.nodes) {
    expect(typeof node.opType, label).toBe('string');
    expect(Array.isArray(node.input) && Array.isArray(node.output), label).toBe(true);
  }
  // Whatever decoded must also save again and reload.
  decodeModel(encodeModel(model), `${label} (re-encoded)`);
}

describe('decodeModel on corrupted input', () => {
  it('either decodes a valid model or throws OnnxFormatError, for 4,000 mutated corpus models', () => {
    const files = corpusModels();
    // Every 10th model: a spread of backend-test, converter and zoo files, large and small.
    const sources = files.filter((_, i) => i % 10 === 0).map((f) => ({ file: f, bytes: new Uint8Array(readFileSync(f)) }));
    const rand = seededRandom(0x5eed);
    const outcomes = { decoded: 0, rejected: 0 };
    const wrongErrors: string[] = [];
    for (let i = 0; i < MUTANTS; i++) {
      const src = sources[i % sources.length]!;
      const kind = MUTATIONS[i % MUTATIONS.length]!;
      const label = `#${i} ${kind} ${src.file}`;
      const bytes = mutate(src.bytes, kind, rand);
      try {
        const model = decodeModel(bytes, 'mutated.onnx');
        expectStructurallyValid(model, label);
        outcomes.decoded++;
      } catch (err) {
        if (err instanceof OnnxFormatError) {
          expect(err.message).toContain('mutated.onnx');
          outcomes.rejected++;
        } else {
          wrongErrors.push(`${label}: ${(err as Error).name}: ${(err as Error).message}`);
        }
      }
    }
    console.log(`fuzz: ${MUTANTS} mutated models, ${outcomes.decoded} decoded, ${outcomes.rejected} rejected with OnnxFormatError`);
    expect(wrongErrors).toEqual([]);
    // Both paths must really be exercised, or the test proves nothing.
    expect(outcomes.decoded).toBeGreaterThan(50);
    expect(outcomes.rejected).toBeGreaterThan(50);
  });

  it('maps a stack overflow from absurdly deep nesting to OnnxFormatError', () => {
    // GraphProto.node (1) → NodeProto.attribute (5) → AttributeProto.g (6) → GraphProto ..., 2,000 deep.
    const depth = 2000;
    let inner: Uint8Array = new Uint8Array();
    for (let i = 0; i < depth; i++) {
      const attr = wrap(6, inner);
      const node = wrap(5, attr);
      inner = wrap(1, node);
    }
    const model = new Uint8Array([0x08, 0x08, ...wrap(7, inner)]);
    expect(() => decodeModel(model, 'deep.onnx')).toThrow(OnnxFormatError);
  });
});

/** A length-delimited protobuf field. */
function wrap(field: number, payload: Uint8Array): Uint8Array {
  const len: number[] = [];
  let n = payload.length;
  while (n > 127) {
    len.push((n & 127) | 128);
    n >>>= 7;
  }
  len.push(n);
  const out = new Uint8Array(1 + len.length + payload.length);
  out[0] = (field << 3) | 2;
  out.set(len, 1);
  out.set(payload, 1 + len.length);
  return out;
}
