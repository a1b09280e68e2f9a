// Encoding a model as a sequence of chunks whose big tensor payloads are the tensors' own bytes
// (views, not copies), so a writer can stream a model of 1–2 GB to disk without building the file
// in memory first. The bytes decode to the same model as encodeModel's; only the field order
// differs (initializers after the graph's other fields, the graph after the model's other fields),
// which every protobuf reader accepts.
import { encodeModel } from './codec.js';
import { onnx, type ModelProto, type TensorProto } from './proto.js';

/** Tags (field number << 3 | wire type 2) of ModelProto.graph, GraphProto.initializer and TensorProto.raw_data. */
const GRAPH_TAG = (7 << 3) | 2;
const INITIALIZER_TAG = (5 << 3) | 2;
const RAW_DATA_TAG = (9 << 3) | 2;

function varint(value: number): number[] {
  const out: number[] = [];
  while (value > 127) {
    out.push((value % 128) | 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return out;
}

/** `tag` + length prefix of a length-delimited field. */
const header = (tag: number, length: number) => Uint8Array.from([tag, ...varint(length)]);

/** Runs `fn` with `key` removed from `obj`'s own properties (the encoder then skips it), then puts it back. */
function without<T extends object, R>(obj: T, key: keyof T, fn: () => R, replacement?: unknown): R {
  const own = Object.prototype.hasOwnProperty.call(obj, key);
  const value = obj[key];
  if (replacement === undefined) delete obj[key];
  else (obj as Record<keyof T, unknown>)[key] = replacement;
  try {
    return fn();
  } finally {
    if (own) obj[key] = value;
    else delete obj[key];
  }
}

/**
 * The encoded model as chunks: small protobuf framing plus, for every initializer whose raw_data
 * has at least `minViewBytes`, that raw_data itself. Never mutates `model` (fields are removed and
 * restored around each encode).
 */
export function encodeModelChunks(model: ModelProto, minViewBytes = 1 << 16): Uint8Array[] {
  const graph = model.graph;
  const big = (t: TensorProto) => Object.prototype.hasOwnProperty.call(t, 'rawData') && t.rawData.length >= minViewBytes;
  if (!graph || !graph.initializer.some(big)) return [encodeModel(model)];
  const rest = without(model, 'graph', () => onnx.ModelProto.encode(model).finish());
  const graphHead = without(graph, 'initializer', () => onnx.GraphProto.encode(graph).finish(), []);
  const tensors = graph.initializer.map((t) => {
    if (!big(t)) {
      const bytes = onnx.TensorProto.encode(t).finish();
      return { length: bytes.length, chunks: [bytes] };
    }
    const head = without(t, 'rawData', () => onnx.TensorProto.encode(t).finish());
    const rawHeader = header(RAW_DATA_TAG, t.rawData.length);
    return { length: head.length + rawHeader.length + t.rawData.length, chunks: [head, rawHeader, t.rawData] };
  });
  let graphLength = graphHead.length;
  for (const t of tensors) graphLength += 1 + varint(t.length).length + t.length;
  const chunks: Uint8Array[] = [rest, header(GRAPH_TAG, graphLength), graphHead];
  for (const t of tensors) chunks.push(header(INITIALIZER_TAG, t.length), ...t.chunks);
  return chunks;
}
