import { OnnxFormatError } from './errors.js';
import { restoreTopologicalOrder } from './node-order.js';
import { Long, onnx, protobuf, type GraphProto, type ModelProto } from './proto.js';

const PNG = [0x89, 0x50, 0x4e, 0x47];
const JPEG = [0xff, 0xd8, 0xff];
const ZIP = [0x50, 0x4b, 0x03, 0x04];

function startsWith(bytes: Uint8Array, magic: number[]): boolean {
  return magic.every((b, i) => bytes[i] === b);
}

/** Recognises common wrong inputs before decoding, so the message can say what the file really is. */
function sniffWrongFormat(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return 'the file is empty';
  if (startsWith(bytes, PNG)) return 'this is a PNG image, not an ONNX model';
  if (startsWith(bytes, JPEG)) return 'this is a JPEG image, not an ONNX model';
  if (startsWith(bytes, ZIP)) return 'this is a ZIP archive (a PyTorch .pt/.pth checkpoint?), not an ONNX model';
  let i = 0;
  while (i < bytes.length && i < 64 && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] === 0x7b /* { */ || bytes[i] === 0x5b /* [ */) {
    return 'this is a JSON file (a TensorFlow.js or Keras model?), not an ONNX model';
  }
  return undefined;
}

/**
 * Decodes an ONNX ModelProto. Tensor raw_data fields are zero-copy views into `bytes`, so the caller
 * must not reuse the buffer while the model is alive. Nodes out of topological order (as fp16
 * converters write them) are put in order. Throws OnnxFormatError naming `source`.
 */
export function decodeModel(bytes: Uint8Array, source = 'model.onnx'): ModelProto {
  const wrong = sniffWrongFormat(bytes);
  if (wrong) throw new OnnxFormatError(source, wrong);
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes) as unknown as ModelProto;
  } catch (err) {
    throw describeDecodeFailure(err, source);
  }
  validateModel(model, source);
  restoreTopologicalOrder(model.graph as GraphProto);
  return model;
}

/**
 * Maps whatever protobufjs throws (RangeError for lengths past the end, Error for bad wire types,
 * nesting deeper than its recursion limit, or a stack overflow) to an OnnxFormatError.
 */
function describeDecodeFailure(err: unknown, source: string): OnnxFormatError {
  const detail = err instanceof Error ? err.message : String(err);
  if (/index out of range/i.test(detail)) {
    return new OnnxFormatError(
      source,
      `the file is truncated or corrupt (${detail})`,
      'The download or copy may have been cut short: copy the file again.',
    );
  }
  if (/max depth|call stack/i.test(detail)) {
    return new OnnxFormatError(source, `the file is corrupt or nests graphs too deeply to read (${detail})`);
  }
  return new OnnxFormatError(source, `the bytes are not a valid ONNX protobuf (${detail})`);
}

/** Structural checks that every loadable model passes; random bytes that happen to parse fail here. */
function validateModel(model: ModelProto, source: string): void {
  const ir = Number(model.irVersion ?? 0);
  if (!model.graph) throw new OnnxFormatError(source, 'the file has no graph (is it really an ONNX model?)');
  if (!(ir >= 1 && ir <= 64)) throw new OnnxFormatError(source, `the IR version ${ir} is not a valid ONNX IR version`);
  if (model.opsetImport.length === 0 && ir >= 3) {
    throw new OnnxFormatError(source, 'the model imports no operator set (opset_import is empty)');
  }
  for (const node of model.graph.node) {
    if (!node.opType) throw new OnnxFormatError(source, `node "${node.name}" has no op_type`);
  }
}

/**
 * Upper-bound-ish size of a message once encoded: payload bytes plus a few bytes of tag and length
 * per field. Only used to size the write buffer; a wrong guess costs a copy, never correctness.
 */
function estimateEncodedSize(value: unknown): number {
  if (value instanceof Uint8Array) return value.length + 6;
  if (typeof value === 'string') return value.length + 6;
  if (typeof value !== 'object' || value === null) return 10;
  if (Long.isLong(value)) return 11;
  if (Array.isArray(value)) {
    if (typeof value[0] === 'number') return value.length * 8 + 6; // packed float/double/int data
    let n = 6;
    for (const item of value) n += estimateEncodedSize(item);
    return n;
  }
  let n = 6;
  const message = value as Record<string, unknown> & { $unknowns?: Uint8Array[] };
  for (const key of Object.keys(message)) n += estimateEncodedSize(message[key]) + 2;
  for (const raw of message.$unknowns ?? []) n += raw.length;
  return n;
}

/** Outputs at least this big are returned as a view of the write buffer instead of a trimmed copy. */
const VIEW_THRESHOLD_BYTES = 1 << 20;

/**
 * Encodes a ModelProto to bytes. Never mutates `model`. The write buffer is sized up front from the
 * tensors' payload sizes, because growing it by doubling a 100 MB model costs ~3× the file size in
 * memory and most of the encode time. A large result may be a view over a slightly bigger buffer
 * that belongs to it alone (always use byteOffset/byteLength, as with any Uint8Array).
 */
export function encodeModel(model: ModelProto): Uint8Array {
  const writer = protobuf.Writer.create();
  writer.buf = (writer.constructor as typeof protobuf.Writer).alloc(estimateEncodedSize(model) + 1024);
  onnx.ModelProto.encode(model, writer);
  if (writer.pos < VIEW_THRESHOLD_BYTES) {
    // Copied into a buffer of its own: Node serves small Buffers from a shared pool, whose
    // ArrayBuffer must not leak out (transferring it would detach unrelated data).
    const out = new Uint8Array(writer.pos);
    out.set(writer.buf.subarray(0, writer.pos));
    return out;
  }
  // A close guess on a big model is returned as a view (no second copy of the file).
  return writer.pos >= writer.buf.length * 0.9 ? writer.finish(true) : writer.finish();
}
