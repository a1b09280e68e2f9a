// InferenceSession over onnxruntime-node: native CPU execution for the CLI, tests and benchmarks.
import * as ort from 'onnxruntime-node';
import type { OrtTensorConstructor } from './ort-wrap.js';
import { wrapOrtSession } from './ort-wrap.js';
import type { CreatedSession, CreateSessionOptions } from './session.js';
import { decodeModel, encodeModel } from '../core/onnx/codec.js';
import { resolveExternalData } from '../core/onnx/external-data.js';

/** Loads `modelBytes` into onnxruntime-node (external data, when given, is inlined first). */
export async function createNodeSession(modelBytes: Uint8Array, options: Omit<CreateSessionOptions, 'backend'>): Promise<CreatedSession> {
  let bytes = modelBytes;
  if (options.externalData?.length) {
    // onnxruntime-node resolves side files only from disk; inline the ones we were handed instead.
    const files = new Map(options.externalData.map((f) => [f.path, f.data]));
    const model = await resolveExternalData(decodeModel(modelBytes), (location) => {
      const data = files.get(location);
      if (!data) throw new Error(`external data file "${location}" was not provided (given: ${[...files.keys()].join(', ') || 'none'})`);
      return data;
    }, 'model.onnx');
    bytes = encodeModel(model);
  }
  const sessionOptions: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
  if (options.threads) sessionOptions.intraOpNumThreads = options.threads;
  const session = await ort.InferenceSession.create(bytes, sessionOptions);
  return {
    session: wrapOrtSession(session, ort.Tensor as unknown as OrtTensorConstructor, 'cpu-node'),
    backend: 'cpu-node',
    threads: options.threads,
  };
}
