// The single entry point to the generated ONNX protobuf codec. Everything else imports from here,
// so the generated code can be regenerated (tools/proto/generate.sh) without touching callers.
import protobuf from 'protobufjs/minimal.js';
import Long from 'long';
import { onnx } from './generated/onnx.js';

// int64 fields (shapes, int64 tensors, attributes) must never lose precision: decode them as Long.
protobuf.util.Long = Long as unknown as typeof protobuf.util.Long;
protobuf.configure();
// Keep fields our schema does not know (files from newer ONNX versions): the decoder stores them in
// a non-enumerable `$unknowns` array of byte views and the encoder writes them back verbatim.
// protobufjs discards them by default, which would silently strip data when saving.
protobuf.Reader.discardUnknown = false;

type Scalar = string | number | boolean | Long | Uint8Array;
type ScalarKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends Scalar | unknown[] ? K : never }[keyof T];
type MessageKeys<T> = Exclude<keyof T, ScalarKeys<T> | '$unknowns'>;
type DecodedField<F> = F extends (infer U)[] ? (U extends Scalar ? U[] : Decoded<U>[]) : F;
/**
 * A decoded message as protobufjs really returns it: scalars and repeated fields always present
 * (defaults live on the prototype), singular sub-messages optional. The generated typings mark
 * everything optional, which would force `?? []` on every access.
 */
export type Decoded<T> = { [K in ScalarKeys<T> as K extends '$unknowns' ? never : K]-?: DecodedField<NonNullable<T[K]>> } & {
  [K in MessageKeys<T>]?: Decoded<NonNullable<T[K]>> | null;
} & { $unknowns?: Uint8Array[] };

export { onnx, Long, protobuf };
export type ModelProto = Decoded<onnx.ModelProto.$Properties>;
export type GraphProto = Decoded<onnx.GraphProto.$Properties>;
export type NodeProto = Decoded<onnx.NodeProto.$Properties>;
export type TensorProto = Decoded<onnx.TensorProto.$Properties>;
export type AttributeProto = Decoded<onnx.AttributeProto.$Properties>;
export type ValueInfoProto = Decoded<onnx.ValueInfoProto.$Properties>;
export type TypeProto = Decoded<onnx.TypeProto.$Properties>;
export const TensorDataType = onnx.TensorProto.DataType;
export const AttributeType = onnx.AttributeProto.AttributeType;
