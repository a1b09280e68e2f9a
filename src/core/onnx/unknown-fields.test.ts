// Files from newer ONNX versions carry fields our vendored schema does not know. They must survive
// decode → encode byte-for-byte, or saving a pruned model would silently drop information.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs/minimal.js';
import { decodeModel, encodeModel } from './codec';
import { onnx } from './proto';

const original = new Uint8Array(readFileSync('tools/fixtures/models/tiny-conv.onnx'));

/** Protobuf bytes of fields that no ONNX version defines (numbers 90+), one of every wire type. */
function unknownFields(): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32((90 << 3) | 0).uint64(2 ** 40 + 7); // varint
  w.uint32((91 << 3) | 1).fixed64(123456789); // 64-bit
  w.uint32((92 << 3) | 2).string('from a newer exporter'); // length-delimited
  w.uint32((93 << 3) | 5).fixed32(42); // 32-bit
  return w.finish();
}

/** NodeProto fields added after IR 8 (ONNX 1.16+): overload = 8, metadata_props = 9. */
function newerNodeFields(): Uint8Array {
  const w = protobuf.Writer.create();
  w.uint32((8 << 3) | 2).string('fast_path');
  w.uint32((9 << 3) | 2).fork().uint32((1 << 3) | 2).string('origin').uint32((2 << 3) | 2).string('torch').ldelim();
  return w.finish();
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('unknown protobuf fields', () => {
  it('keeps unknown top-level ModelProto fields byte-for-byte', () => {
    const extra = unknownFields();
    const bytes = concat(original, extra);
    const model = decodeModel(bytes, 'newer.onnx');
    expect(model.$unknowns?.length).toBe(4);
    const encoded = encodeModel(model);
    expect(Array.from(encoded)).toEqual(Array.from(bytes));
  });

  it('keeps unknown fields nested inside a node through decode → encode → decode', () => {
    const model = decodeModel(original, 'tiny-conv.onnx');
    const firstNode = model.graph!.node[0]!;
    // Re-decode the node from its bytes plus fields from a newer schema, as a newer file would hold it.
    const nodeBytes = concat(onnx.NodeProto.encode(firstNode).finish(), newerNodeFields());
    model.graph!.node[0] = onnx.NodeProto.decode(nodeBytes) as unknown as typeof firstNode;
    const once = encodeModel(model);
    const again = decodeModel(once, 'resaved.onnx');
    expect(again.graph!.node[0]!.$unknowns?.map((u) => Array.from(u))).toEqual(
      model.graph!.node[0]!.$unknowns?.map((u) => Array.from(u)),
    );
    expect(again.graph!.node[0]!.$unknowns?.length).toBe(2);
    expect(Array.from(encodeModel(again))).toEqual(Array.from(once));
  });

  it('keeps a known field written with an unexpected wire type instead of dropping it', () => {
    // ir_version (field 1) as a length-delimited blob: not decodable as int64, so it must be kept raw.
    const odd = protobuf.Writer.create().uint32((1 << 3) | 2).bytes(new Uint8Array([1, 2, 3])).finish();
    const bytes = concat(original, odd);
    const model = decodeModel(bytes, 'odd.onnx');
    expect(Array.from(encodeModel(model))).toEqual(Array.from(bytes));
  });
});
