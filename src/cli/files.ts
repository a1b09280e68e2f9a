// The CLI's file handling, built so that no run loses the user's work: outputs are checked before
// any work, every write goes to a temporary file in the target folder and is renamed over the
// target only when complete (a failed write leaves the target, possibly the input itself, as it
// was), and models of any size are read tensor by tensor and written with external data when they
// cannot fit one .onnx file.
import { accessSync, closeSync, constants, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, readSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { assertValidModel } from '../core/graph/validate.js';
import { decodeModel } from '../core/onnx/codec.js';
import { encodeModelChunks } from '../core/onnx/encode-chunks.js';
import { externalDataLocations, fitsInline, layoutExternalData, PROTOBUF_LIMIT_BYTES, resolveExternalDataRanges } from '../core/onnx/external-data.js';
import type { ModelProto } from '../core/onnx/proto.js';

/** Node reads and writes at most this much in one call (and a Buffer read at once cannot exceed 2 GiB). */
const IO_CHUNK_BYTES = 1 << 30;
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

/** A model read from disk, with the files it came from (for output checks and size reports). */
export interface LoadedModel {
  model: ModelProto;
  /** Absolute paths of the .onnx file and the external data files it read. */
  files: string[];
  /** Bytes on disk of those files together. */
  bytes: number;
}

function codeOf(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? String(err);
}

/** Reads `length` bytes at `offset` of an open file into a buffer of their own. */
function readRange(fd: number, offset: number, length: number): Uint8Array {
  // Not from Node's shared pool: each tensor owns its ArrayBuffer, so it can be freed alone.
  const out = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
  for (let done = 0; done < length; ) {
    const n = readSync(fd, out, done, Math.min(IO_CHUNK_BYTES, length - done), offset + done);
    if (n === 0) throw new Error(`unexpected end of file after ${offset + done} bytes`);
    done += n;
  }
  return out;
}

/** The bytes of a .onnx file, with errors that name the file and the real limit (2 GiB per .onnx). */
export function readModelBytes(file: string, cwd: string): Uint8Array {
  const path = resolve(cwd, file);
  let size: number;
  try {
    size = statSync(path).size;
  } catch (err) {
    throw new Error(`cannot read ${file}: ${codeOf(err)}. Check the path.`, { cause: err });
  }
  if (size > PROTOBUF_LIMIT_BYTES) {
    throw new Error(
      `${file} is ${gb(size)}: a single .onnx file cannot exceed 2 GiB (the protobuf limit; Node also reads at most 2 GiB at once). ` +
        'Save the model with its weights in an external data file: onnx.save_model(model, "model.onnx", save_as_external_data=True, location="model.onnx.data").',
    );
  }
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read ${file}: ${codeOf(err)}. Check the path.`, { cause: err });
  }
}

/** Refuses corrupt payloads, broken structure and layers that disagree before any analysis. */
function validated(loaded: LoadedModel, file: string): LoadedModel {
  assertValidModel(loaded.model, file);
  return loaded;
}

/**
 * Reads a model file and its external data files (next to it). Each external tensor is read at its
 * offset into its own buffer, so side files of any size load (no single read over 2 GiB) and memory
 * holds the tensors only. Throws errors that name the file, the problem and what to do.
 */
export async function loadModelFile(file: string, cwd: string): Promise<LoadedModel> {
  const path = resolve(cwd, file);
  const bytes = readModelBytes(file, cwd);
  const size = bytes.length;
  const model = decodeModel(bytes, file);
  const files = [path];
  let total = size;
  if (externalDataLocations(model).length === 0) return validated({ model, files, bytes: total }, file);
  // Opened per tensor: exports with one file per tensor would otherwise hold thousands of descriptors.
  const sidePath = (location: string) => resolve(dirname(path), location);
  const sizeOf = (location: string): number => {
    const size = statSync(sidePath(location)).size;
    files.push(sidePath(location));
    total += size;
    return size;
  };
  const read = (location: string, offset: number, length: number): Uint8Array => {
    const fd = openSync(sidePath(location), 'r');
    try {
      return readRange(fd, offset, length);
    } finally {
      closeSync(fd);
    }
  };
  await resolveExternalDataRanges(model, { size: sizeOf, read }, file, (location) => `Keep "${location}" in the same folder as ${basename(file)} (the model names it there).`);
  return validated({ model, files, bytes: total }, file);
}

/** An output a command will write, named by the option that gave it (for error messages). */
export interface OutputPath {
  option: string;
  file: string;
}

/**
 * Checks, before any work, that each output can be written: its folder exists and is writable and
 * the path is not a folder. Throws an error naming the option, the path and what to do.
 */
export function checkOutputPaths(outputs: readonly OutputPath[], cwd: string): void {
  for (const { option, file } of outputs) {
    const path = resolve(cwd, file);
    const dir = dirname(path);
    if (!existsSync(dir)) throw new Error(`${option} ${file}: the folder ${dir} does not exist. Create it first (mkdir -p "${dir}") or choose another path.`);
    if (!statSync(dir).isDirectory()) throw new Error(`${option} ${file}: ${dir} is not a folder. Choose another path.`);
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new Error(`${option} ${file}: the folder ${dir} is not writable. Choose a folder you can write to.`);
    }
    if (existsSync(path) && statSync(path).isDirectory()) throw new Error(`${option} ${file}: this is a folder. Give a file name, e.g. ${join(file, 'model.onnx')}.`);
  }
  const seen = new Map<string, string>();
  for (const { option, file } of outputs) {
    const key = canonical(resolve(cwd, file));
    const other = seen.get(key);
    if (other) throw new Error(`${option} and ${other} name the same file ${file}: give them different paths.`);
    seen.set(key, option);
  }
}

/** The path with symlinks resolved where it exists, so two spellings of one file compare equal. */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(path)), basename(path));
    } catch {
      return path;
    }
  }
}

/**
 * Refuses an output that would replace a file the run reads, other than `allowed` (e.g. the model
 * itself for an in-place prune, which the atomic write makes safe).
 */
export function checkNotAnInput(output: OutputPath, reads: readonly string[], cwd: string, allowed: readonly string[] = []): void {
  const path = canonical(resolve(cwd, output.file));
  const ok = new Set(allowed.map((f) => canonical(resolve(cwd, f))));
  for (const read of reads) {
    if (canonical(read) === path && !ok.has(path)) {
      throw new Error(`${output.option} ${output.file} is a file this run reads (${read}); writing it would destroy the input. Choose another output path.`);
    }
  }
}

/**
 * Refuses, once the model is read, outputs that would replace a file the run reads: the model, its
 * external data files, `otherReads` (e.g. a plan). The model output may be the model itself (an
 * in-place prune: everything is read before the atomic write, which then replaces the model and
 * its data file together); another output may replace only its `mayReplace` file.
 */
export function checkModelOutputs(loaded: LoadedModel, modelOut: OutputPath, others: readonly (OutputPath & { mayReplace?: string | undefined })[], otherReads: readonly string[], cwd: string): void {
  const reads = [...loaded.files, ...otherReads.map((f) => resolve(cwd, f))];
  const outPath = resolve(cwd, modelOut.file);
  const inPlace = canonical(outPath) === canonical(loaded.files[0]!);
  const allowed = inPlace ? loaded.files : [];
  checkNotAnInput(modelOut, reads, cwd, allowed);
  checkNotAnInput({ option: `${modelOut.option} (its external data file)`, file: join(dirname(outPath), externalDataName(outPath)) }, reads, cwd, allowed);
  for (const o of others) checkNotAnInput(o, reads, cwd, o.mayReplace ? [o.mayReplace] : []);
}

/** Bytes to put in one file: chunks in order, or pieces at offsets (gaps read as zeros). */
type Content = { chunks: readonly Uint8Array[] } | { pieces: readonly { offset: number; bytes: Uint8Array }[]; size: number };

/** How every write reaches the disk; tests of failure handling may substitute a failing one. */
export interface FileWriter {
  write(fd: number, bytes: Uint8Array, position: number): void;
}

const diskWriter: FileWriter = {
  write(fd, bytes, position) {
    for (let done = 0; done < bytes.length; ) {
      done += writeSync(fd, bytes, done, Math.min(IO_CHUNK_BYTES, bytes.length - done), position + done);
    }
  },
};

function writeTemp(target: string, content: Content, writer: FileWriter): string {
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o644);
  try {
    if ('chunks' in content) {
      let position = 0;
      for (const c of content.chunks) {
        writer.write(fd, c, position);
        position += c.length;
      }
    } else {
      for (const p of content.pieces) writer.write(fd, p.bytes, p.offset);
      ftruncateSync(fd, content.size);
    }
    fsyncSync(fd);
    closeSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkQuietly(temp);
    throw err;
  }
  return temp;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

function writeFailure(target: string, err: unknown): Error {
  const code = codeOf(err);
  const why: Record<string, string> = {
    ENOSPC: 'no space left on the device; free some space or write to another disk',
    EFBIG: 'the file is larger than this system allows (a file-size limit such as `ulimit -f`, or the filesystem\'s maximum)',
    EDQUOT: 'the disk quota is exceeded',
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'the file system is read-only',
  };
  const existed = existsSync(target);
  return new Error(`cannot write ${target}: ${why[code] ?? code}. Nothing was written${existed ? `; ${target} is unchanged` : ''}.`, { cause: err });
}

/**
 * Writes several files as one change: each to a temporary file beside it, then renamed over the
 * targets, side files first and the main file (the first of `files`) last. On any failure the
 * temporary files are removed and every target is as it was.
 */
export function writeFilesAtomic(files: readonly { path: string; content: Content }[], writer: FileWriter = diskWriter): void {
  const temps: { temp: string; path: string }[] = [];
  try {
    for (const f of files) {
      try {
        temps.push({ temp: writeTemp(f.path, f.content, writer), path: f.path });
      } catch (err) {
        throw writeFailure(f.path, err);
      }
    }
  } catch (err) {
    for (const t of temps) unlinkQuietly(t.temp);
    throw err;
  }
  // Side files replaced before the model: keep backups of replaced side files until the model is in
  // place, so a failed rename can put the old pair back together.
  const order = [...temps.slice(1), temps[0]!];
  const done: { path: string; backup?: string }[] = [];
  try {
    for (const { temp, path } of order) {
      let backup: string | undefined;
      if (path !== temps[0]!.path && existsSync(path)) {
        backup = `${temp}.old`;
        renameSync(path, backup);
      }
      done.push({ path, backup });
      renameSync(temp, path);
    }
  } catch (err) {
    for (const { path, backup } of done.reverse()) if (backup) renameSync(backup, path);
    for (const t of temps) unlinkQuietly(t.temp);
    throw writeFailure(order[done.length - 1]?.path ?? files[0]!.path, err);
  }
  for (const { backup } of done) if (backup) unlinkQuietly(backup);
}

/** Writes one text or binary file atomically. */
export function writeFileAtomic(path: string, data: string | Uint8Array, writer?: FileWriter): void {
  writeFilesAtomic([{ path, content: { chunks: [typeof data === 'string' ? new TextEncoder().encode(data) : data] } }], writer);
}

/** The external data file written beside OUT: "OUT.data" (as onnx names it: model.onnx → model.onnx.data). */
export const externalDataName = (out: string) => `${basename(out)}.data`;

/** What writeModelFile wrote. */
export interface WrittenModel {
  files: string[];
  bytes: number;
  externalData: boolean;
}

/**
 * Writes `model` to `path` atomically: inline when it fits one .onnx file, else (or when asked) with
 * its weights in `path`.data beside it. Payloads are streamed from the tensors, never copied into a
 * file-sized buffer.
 */
export function writeModelFile(model: ModelProto, path: string, options: { externalData?: boolean; writer?: FileWriter } = {}): WrittenModel {
  const external = options.externalData === true || !fitsInline(model);
  if (!external) {
    const chunks = encodeModelChunks(model);
    const bytes = chunks.reduce((s, c) => s + c.length, 0);
    writeFilesAtomic([{ path, content: { chunks } }], options.writer);
    return { files: [path], bytes, externalData: false };
  }
  const location = externalDataName(path);
  const layout = layoutExternalData(model, location);
  if (layout.model.length > PROTOBUF_LIMIT_BYTES) {
    throw new Error(`cannot write ${path}: even without its weights the graph is ${gb(layout.model.length)}, over the 2 GiB limit of one .onnx file.`);
  }
  const dataPath = join(dirname(path), location);
  writeFilesAtomic([{ path, content: { chunks: [layout.model] } }, { path: dataPath, content: { pieces: layout.pieces, size: layout.size } }], options.writer);
  return { files: [path, dataPath], bytes: layout.model.length + layout.size, externalData: true };
}
