// loadModel: bytes → decoded model + indexes + summary, in stages with progress and cancellation.
import { buildGraph } from '../../core/graph/ir';
import { ModelValidationError, validateModel } from '../../core/graph/validate';
import { inferShapes } from '../../core/graph/shapes';
import { computeMetrics } from '../../core/metrics/model-metrics';
import { decodeModel } from '../../core/onnx/codec';
import { externalDataLocations, resolveExternalData } from '../../core/onnx/external-data';
import type { LoadModelRequest, ModelSummary, ProgressCallback } from '../protocol';
import { checkpoint, JobError } from '../jobs';
import { sha256Hex } from './digest';
import { setLoadedModel } from './loaded-model';
import { summariseModel } from './summarise';

/** Loads a model into the worker; the previous model stays current until this one succeeds. */
export async function loadModel(request: LoadModelRequest, onProgress?: ProgressCallback): Promise<ModelSummary> {
  const { jobId, fileName } = request;
  const report = (stage: string, fraction: number, message: string): void => onProgress?.({ stage, fraction, message });
  const bytes = new Uint8Array(request.bytes);

  report('decode', 0.05, `Decoding ${fileName}`);
  await checkpoint(jobId);
  const model = decodeModel(bytes, fileName);

  const locations = externalDataLocations(model);
  const sideFiles = new Map((request.externalData ?? []).map((f) => [f.name, new Uint8Array(f.bytes)]));
  if (locations.length > 0) {
    const missing = locations.filter((l) => !sideFiles.has(l) && !sideFiles.has(baseName(l)));
    if (missing.length > 0) {
      throw new JobError(
        'missing-external-data',
        `${fileName} keeps its weights in a separate file: ${missing.map((m) => `"${m}"`).join(', ')}, which was not opened with it.`,
        `Select or drop ${fileName} and ${missing.map((m) => `"${baseName(m)}"`).join(', ')} together (both files at once).`,
      );
    }
    report('external-data', 0.3, `Attaching ${locations.join(', ')}`);
    await checkpoint(jobId);
    await resolveExternalData(model, (l) => sideFiles.get(l) ?? sideFiles.get(baseName(l))!, fileName);
  }

  report('index', 0.45, 'Checking and indexing the graph');
  await checkpoint(jobId);
  const ir = buildGraph(model);
  // A corrupt or inconsistent model is refused here, before anything builds on it.
  const validation = validateModel(model, ir);
  if (validation.errors.length) throw new ModelValidationError(fileName, validation.errors);

  report('shapes', 0.6, 'Inferring tensor shapes');
  await checkpoint(jobId);
  const shapes = inferShapes(ir);

  report('summary', 0.85, 'Summarising');
  await checkpoint(jobId);
  const modelHash = await sha256Hex(bytes);
  const summary = summariseModel(
    ir,
    shapes,
    { fileName, modelHash, fileBytes: bytes.byteLength, externalDataFiles: locations },
    { metrics: computeMetrics(ir, shapes) },
  );

  await checkpoint(jobId);
  setLoadedModel({ model, ir, shapes, summary, bytes, externalData: sideFiles });
  report('done', 1, `Loaded ${fileName}`);
  return summary;
}

/** The last path segment: side files are matched by name, as the browser gives no folders. */
function baseName(location: string): string {
  return location.split(/[\\/]/).pop() ?? location;
}
