// ONNX external data: models over 2 GB (and many exports with save_as_external_data=True) keep
// tensor bytes in side files named by each tensor's external_data {location, offset, length}.
// Loading copies nothing: raw_data becomes a view into the side file's bytes.
import { OnnxFormatError } from './errors.js';
import { encodeModel } from './codec.js';
import { onnx, type GraphProto, type ModelProto, type TensorProto } from './proto.js';

/** Reads a side file by the location written in the model (relative to the .onnx file's folder). */
export type ReadSideFile = (location: string) => Uint8Array | Promise<Uint8Array>;

const DataLocation = onnx.TensorProto.DataLocation;
type ExternalEntry = TensorProto['externalData'][number];
/** Side-file offsets are aligned so loaded float tensors can be viewed without copying. */
const ALIGNMENT = 64;
/** Protobuf messages cannot exceed 2 GB; bigger models must keep weights outside the .onnx. */
export const PROTOBUF_LIMIT_BYTES = 2 ** 31 - 1;

/** Every tensor in the model that can hold data: initializers and node attribute tensors, subgraphs included. */
export function* allTensors(model: ModelProto): Generator<TensorProto> {
  if (model.graph) yield* graphTensors(model.graph);
}

function* graphTensors(graph: GraphProto): Generator<TensorProto> {
  yield* graph.initializer;
  for (const sparse of graph.sparseInitializer) {
    if (sparse.values) yield sparse.values as TensorProto;
    if (sparse.indices) yield sparse.indices as TensorProto;
  }
  for (const node of graph.node) {
    for (const attr of node.attribute) {
      if (attr.t) yield attr.t;
      yield* attr.tensors;
      if (attr.g) yield* graphTensors(attr.g);
      for (const g of attr.graphs) yield* graphTensors(g);
    }
  }
}

function isExternal(t: TensorProto): boolean {
  return t.dataLocation === DataLocation.EXTERNAL;
}

function entry(t: TensorProto, key: string): string | undefined {
  return t.externalData.find((e) => e.key === key)?.value;
}

/** The side files a model needs (empty when all its data is inline), so a UI can ask for them up front. */
export function externalDataLocations(model: ModelProto): string[] {
  const locations = new Set<string>();
  for (const t of allTensors(model)) if (isExternal(t)) locations.add(entry(t, 'location') ?? '');
  return [...locations];
}

/** Rejects locations that could reach outside the model's folder ("../x", "/etc/x", "C:\x"). */
function checkLocation(location: string, tensor: string, source: string): void {
  const parts = location.split(/[\\/]/);
  if (!location || location.startsWith('/') || location.startsWith('\\') || /^[a-zA-Z]:/.test(location) || parts.includes('..')) {
    throw new OnnxFormatError(
      source,
      `tensor "${tensor}" names the external data file "${location}", which is not a plain path next to the model`,
      'Save the model again with its data file in the same folder (onnx.save_model(..., save_as_external_data=True, location="name.data")).',
    );
  }
}

function parseOffset(value: string | undefined, key: string, tensor: string, source: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new OnnxFormatError(source, `tensor "${tensor}" has an invalid external data ${key} "${value}"`);
  }
  return n;
}

/**
 * Reads byte ranges of side files, so a caller can load each tensor into a buffer of its own (a
 * multi-GB side file is never read at once; Node cannot read more than 2 GiB in one call).
 */
export interface SideFileRanges {
  /** The side file's size in bytes; throws when it cannot be opened. */
  size(location: string): number | Promise<number>;
  /** `length` bytes from `offset` (the caller has checked they lie inside the file). */
  read(location: string, offset: number, length: number): Uint8Array | Promise<Uint8Array>;
}

/**
 * Loads every tensor whose data_location is EXTERNAL from its side file into raw_data (a view, no
 * copy), then clears external_data and sets data_location to DEFAULT, in place. Each side file is
 * read once. Throws OnnxFormatError naming `source` and the side file when a file is missing or
 * too short. Returns `model`.
 */
export async function resolveExternalData(model: ModelProto, readFile: ReadSideFile, source: string): Promise<ModelProto> {
  const files = new Map<string, Promise<Uint8Array>>();
  const load = (location: string): Promise<Uint8Array> => {
    let file = files.get(location);
    if (!file) {
      file = Promise.resolve().then(() => readFile(location));
      files.set(location, file);
    }
    return file;
  };
  return resolveExternalDataRanges(
    model,
    { size: async (location) => (await load(location)).length, read: async (location, offset, length) => (await load(location)).subarray(offset, offset + length) },
    source,
  );
}

/**
 * resolveExternalData over ranged reads: each tensor gets exactly its bytes from `files.read`.
 * The CLI uses it with positioned file reads so memory holds the tensors and nothing else.
 */
export async function resolveExternalDataRanges(model: ModelProto, files: SideFileRanges, source: string, fixHint?: (location: string) => string): Promise<ModelProto> {
  const sizes = new Map<string, Promise<number>>();
  const sizeOf = (location: string): Promise<number> => {
    let size = sizes.get(location);
    if (!size) {
      size = Promise.resolve()
        .then(() => files.size(location))
        .catch((err: unknown) => {
          throw new OnnxFormatError(
            source,
            `its weights are stored in the separate file "${location}", which could not be read (${err instanceof Error ? err.message : String(err)})`,
            fixHint?.(location) ?? `Select or drop "${location}" together with the .onnx file (both at once), or keep it in the same folder as the .onnx file.`,
          );
        });
      sizes.set(location, size);
    }
    return size;
  };
  for (const t of allTensors(model)) {
    if (!isExternal(t)) continue;
    const location = entry(t, 'location') ?? '';
    checkLocation(location, t.name, source);
    const offset = parseOffset(entry(t, 'offset'), 'offset', t.name, source) ?? 0;
    const length = parseOffset(entry(t, 'length'), 'length', t.name, source);
    const fileSize = await sizeOf(location);
    const end = length === undefined ? fileSize : offset + length;
    if (end > fileSize || offset > fileSize) {
      throw new OnnxFormatError(
        source,
        `the external data file "${location}" is too short: tensor "${t.name}" needs bytes ${offset}–${end} but the file has ${fileSize} bytes`,
        `"${location}" is truncated or belongs to a different export: copy it again from where the .onnx came from and open both together.`,
      );
    }
    t.rawData = await files.read(location, offset, end - offset);
    t.externalData = [];
    t.dataLocation = DataLocation.DEFAULT; // written explicitly, as onnx.load_external_data_for_model does
  }
  return model;
}

/** The .onnx bytes and its side file, for saving a model as a pair. */
export interface ExternalDataPair {
  model: Uint8Array;
  data: Uint8Array;
}

/** A model laid out for saving with external data: the .onnx bytes and where each payload goes in the side file. */
export interface ExternalDataLayout {
  model: Uint8Array;
  /** Payloads in offset order; the gaps between them (alignment) are zeros. */
  pieces: { offset: number; bytes: Uint8Array }[];
  /** Size of the side file. */
  size: number;
}

/**
 * Encodes `model` with the raw_data of every tensor of at least `thresholdBytes` moved into one side
 * file named `location` (ONNX's save_as_external_data layout, offsets aligned to 64 bytes). Tensors
 * must be loaded (resolveExternalData) first. The model is left as it was.
 */
export function splitExternalData(model: ModelProto, location: string, thresholdBytes = 1024): ExternalDataPair {
  const layout = layoutExternalData(model, location, thresholdBytes);
  const data = new Uint8Array(layout.size);
  for (const { bytes, offset } of layout.pieces) data.set(bytes, offset);
  return { model: layout.model, data };
}

/**
 * splitExternalData without building the side file: the payloads are returned as views, so a
 * writer can stream them to disk (a multi-GB model is never copied into one buffer).
 */
export function layoutExternalData(model: ModelProto, location: string, thresholdBytes = 1024): ExternalDataLayout {
  checkLocation(location, '(output)', location);
  const moved: { tensor: TensorProto; offset: number }[] = [];
  let size = 0;
  for (const t of allTensors(model)) {
    if (isExternal(t)) throw new Error(`tensor "${t.name}" still points to external data: call resolveExternalData first`);
    if (t.rawData.length === 0 || t.rawData.length < thresholdBytes) continue;
    size = Math.ceil(size / ALIGNMENT) * ALIGNMENT;
    moved.push({ tensor: t, offset: size });
    size += t.rawData.length;
  }
  const pieces = moved.map(({ tensor, offset }) => ({ offset, bytes: tensor.rawData }));
  // Point the tensors at the side file just for the encode, then put everything back exactly as it
  // was (own properties included: the encoder writes only fields that are set on the object).
  const saved = moved.map(({ tensor }) => ({ tensor, own: snapshot(tensor) }));
  try {
    for (const { tensor, offset } of moved) {
      const length = tensor.rawData.length;
      tensor.rawData = new Uint8Array();
      tensor.dataLocation = DataLocation.EXTERNAL;
      tensor.externalData = [kv('location', location), kv('offset', String(offset)), kv('length', String(length))];
    }
    return { model: encodeModel(model), pieces, size };
  } finally {
    for (const { tensor, own } of saved) restore(tensor, own);
  }
}

/** Whether a model fits in a single .onnx file, or must be saved with splitExternalData. */
export function fitsInline(model: ModelProto): boolean {
  let total = 0;
  for (const t of allTensors(model)) total += t.rawData.length;
  return total < PROTOBUF_LIMIT_BYTES - 64 * 2 ** 20; // headroom for the graph itself
}

type FieldSnapshot = Record<'rawData' | 'dataLocation' | 'externalData', { own: boolean; value: unknown }>;

function snapshot(t: TensorProto): FieldSnapshot {
  const take = (key: keyof FieldSnapshot) => ({ own: Object.prototype.hasOwnProperty.call(t, key), value: t[key] });
  return { rawData: take('rawData'), dataLocation: take('dataLocation'), externalData: take('externalData') };
}

function restore(t: TensorProto, snap: FieldSnapshot): void {
  for (const key of Object.keys(snap) as (keyof FieldSnapshot)[]) {
    const { own, value } = snap[key];
    if (own) (t as Record<string, unknown>)[key] = value;
    else delete (t as Record<string, unknown>)[key];
  }
}

function kv(key: string, value: string): ExternalEntry {
  return onnx.StringStringEntryProto.create({ key, value }) as unknown as ExternalEntry;
}
