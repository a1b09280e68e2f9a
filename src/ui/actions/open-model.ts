// Opening models: files from the picker or a drop, or a bundled demo. One load at a time: a new
// open cancels the one in flight, and every job of the open model (actions/jobs.ts): the worker is
// free for the load at once. Failures go to the error dialog; the previous model stays.
import { isAborted, StudioError } from '../../workers/client/studio-error';
import type { ExternalDataFile, Progress } from '../../workers/protocol';
import type { ModelCard } from '../store/model-slice';
import { useStudio } from '../store/store';
import { studioClient } from '../services/clients';
import { fetchBytes } from './fetch-bytes';
import { fetchCard, type DemoModel } from './demo-index';
import { toErrorData } from './errors';
import { jobs } from './jobs';

interface LoadSource {
  getFiles(signal: AbortSignal): Promise<{ bytes: ArrayBuffer; externalData?: ExternalDataFile[] }>;
  card?(): Promise<ModelCard | undefined>;
  /** Share of the progress bar already used by fetching (the worker's progress fills the rest). */
  fetchShare?: number;
}

async function load(fileName: string, source: LoadSource): Promise<void> {
  const job = jobs.start('load');
  const store = useStudio.getState();
  store.loadStarted(fileName);
  try {
    const files = await source.getFiles(job.signal);
    const share = source.fetchShare ?? 0;
    const onProgress = (p: Progress): void => {
      if (job.isCurrent()) useStudio.getState().loadProgress({ ...p, fraction: share + (1 - share) * p.fraction });
    };
    const summary = await studioClient().loadModel({ fileName, ...files }, { signal: job.signal, onProgress });
    const modelCard = source.card ? await source.card() : undefined;
    if (!job.isCurrent()) return;
    jobs.cancelModelJobs(); // also those started while this load ran: they were for the old model
    useStudio.getState().loadSucceeded(summary, modelCard);
  } catch (err) {
    if (!job.isCurrent()) return; // superseded by a newer open
    useStudio.getState().loadFailed(isAborted(err) || job.signal.aborted ? undefined : toErrorData(err));
  } finally {
    jobs.finish(job);
  }
}

/** Cancels the load in flight, if any. */
export function cancelLoad(): void {
  jobs.cancel('load');
}

/** A protobuf message (a whole .onnx file) cannot exceed 2 GiB: bigger models keep weights in data files. */
export const ONNX_FILE_LIMIT = 2 ** 31;

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

/** Refuses a .onnx file over the protobuf limit, naming the file, the real limit and what to do. */
export function checkModelFileSize(name: string, size: number): void {
  if (size <= ONNX_FILE_LIMIT) return;
  throw new StudioError('bad-model', `${name} is ${gb(size)}: a single .onnx file cannot exceed 2 GiB (the protobuf limit), so no tool can read it as one file.`,
    'Save the model with its weights in an external data file (onnx.save_model(model, "model.onnx", save_as_external_data=True, location="model.onnx.data")) and open both files together.');
}

/** Reads a file into memory, explaining the browser's refusal (files of several GB) instead of a bare "NotReadableError". */
export async function readWhole(file: File): Promise<ArrayBuffer> {
  try {
    return await file.arrayBuffer();
  } catch (err) {
    throw new StudioError('bad-model', `The browser could not read ${file.name} (${gb(file.size)}): ${(err as Error).message || (err as Error).name}.`,
      file.size > ONNX_FILE_LIMIT
        ? 'Files this large do not fit in one buffer of the page. Prune it with the CLI (npx prune-studio prune), which reads external data tensor by tensor.'
        : 'Check that the file is still there and readable, then open it again.');
  }
}

/**
 * Opens dropped or picked files: the .onnx one is the model, the others are offered as its
 * external data. With no .onnx among them the first file is tried, so the user gets told what it is.
 */
export function openFiles(files: readonly File[]): Promise<void> {
  if (files.length === 0) return Promise.resolve();
  const model = files.find((f) => /\.onnx$/i.test(f.name)) ?? files[0]!;
  const side = files.filter((f) => f !== model);
  return load(model.name, {
    getFiles: async () => {
      checkModelFileSize(model.name, model.size);
      return {
        bytes: await readWhole(model),
        externalData: await Promise.all(side.map(async (f) => ({ name: f.name, bytes: await readWhole(f) }))),
      };
    },
  });
}

/** Opens a bundled demo model with its card. */
export function openDemo(demo: DemoModel): Promise<void> {
  const fileName = demo.modelUrl.split('/').pop() ?? demo.name;
  const share = 0.5;
  const onFraction = (f: number): void =>
    useStudio.getState().loadProgress({ stage: 'download', fraction: f * share, message: `Downloading ${fileName}` });
  return load(fileName, {
    getFiles: async (signal) => {
      try {
        return { bytes: await fetchBytes(demo.modelUrl, onFraction, signal) };
      } catch (err) {
        if (signal.aborted) throw err;
        throw new StudioError('internal', `Could not download the demo model ${fileName} (${(err as Error).message}).`,
          'The demo files may be missing from this build (public/models). Open your own .onnx file instead.');
      }
    },
    card: () => fetchCard(demo.cardUrl),
    fetchShare: share,
  });
}
