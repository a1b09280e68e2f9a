// InferenceSession over onnxruntime-node: native CPU execution for the CLI, tests and benchmarks.
import * as ort from 'onnxruntime-node';
import type { OrtTensorConstructor } from './ort-wrap.js';
import { explainCreateError, wrapOrtSession } from './ort-wrap.js';
import type { CreatedSession, CreateSessionOptions } from './session.js';

/** Loads `modelBytes` (external data already inlined: core/onnx/external-data.ts) into onnxruntime-node. */
export async function createNodeSession(modelBytes: Uint8Array, options: Omit<CreateSessionOptions, 'backend'>): Promise<CreatedSession> {
  const sessionOptions: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], graphOptimizationLevel: 'all' };
  if (options.threads) sessionOptions.intraOpNumThreads = options.threads;
  const session = await ort.InferenceSession.create(modelBytes, sessionOptions).catch((err: unknown) => {
    throw explainCreateError(err);
  });
  return {
    session: wrapOrtSession(session, ort.Tensor as unknown as OrtTensorConstructor, 'cpu-node'),
    backend: 'cpu-node',
    threads: options.threads,
  };
}
