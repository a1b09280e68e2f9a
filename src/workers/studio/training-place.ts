// Where the studio trains (distillation, Learn with gates): the backend the user chose for the
// page's models in the Validate tab. WebGPU when asked and an adapter exists, else WASM with the
// worker's threads and the reason it is not WebGPU. Everything else a training job runs (scoring,
// least-squares refits, the recovery guard) stays on WASM.
import type { ModelRunner } from '../../core/score/runner';
import { webGpuUnavailable } from '../../runtime/web-session';
import { chooseWasmThreads, threadEnvironment } from '../../runtime/wasm-threads';
import type { ValidationBackend } from '../protocol';
import { workerWasmThreads } from './pruning-cache';
import { jobRunner } from './job-runner';

export interface TrainingPlace {
  backend: ValidationBackend;
  /** For progress messages: "Distill (WebGPU): epoch 2/5". */
  short: 'WASM' | 'WebGPU';
  /** For the panel: "WebGPU (onnxruntime-web)", "WASM (onnxruntime-web, 1 thread)", with why not WebGPU when asked. */
  label: string;
  /** Opens the training sessions there. */
  runner: ModelRunner;
  /** Why graphs that were to run on WebGPU ran on WASM (a WebGPU session that failed for one graph). */
  fellBack: Set<string>;
}

/** Where job `jobId` trains when the user asked for `requested`. */
export async function trainingPlace(jobId: number, requested: ValidationBackend = 'wasm'): Promise<TrainingPlace> {
  const unavailable = requested === 'webgpu' ? await webGpuUnavailable() : undefined;
  const backend = requested === 'webgpu' && !unavailable ? 'webgpu' : 'wasm';
  const fellBack = new Set<string>();
  const runner = jobRunner(jobId, backend, (opened) => {
    if (opened.backend !== backend && opened.fallbackReason) fellBack.add(opened.fallbackReason);
  });
  if (backend === 'webgpu') return { backend, short: 'WebGPU', label: 'WebGPU (onnxruntime-web)', runner, fellBack };
  const { threads } = chooseWasmThreads(workerWasmThreads(), threadEnvironment());
  const wasm = `WASM (onnxruntime-web, ${threads} thread${threads === 1 ? '' : 's'})`;
  return { backend, short: 'WASM', label: unavailable ? `${wasm}: WebGPU was asked for, but ${unavailable}` : wasm, runner, fellBack };
}

/** " s on WebGPU" and, when some graphs left it, which and why: the end of a training note. */
export function placeNote(place: TrainingPlace): string {
  return `on ${place.short}${place.fellBack.size ? ` (some graphs ran on WASM: ${[...place.fellBack].join('; ')})` : ''}`;
}
