// Test helper: a ModelRunner over onnxruntime-node, and fixture loading.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeSession } from '../../../runtime/node-session.js';
import { decodeModel, encodeModel } from '../../onnx/codec.js';
import type { ModelProto } from '../../onnx/proto.js';
import type { ModelRunner } from '../runner.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(HERE, '../../../..');

/** Opens models on onnxruntime-node (one thread: the CI machine has two cores for everything). */
export const nodeRunner: ModelRunner = async (model: ModelProto) => (await createNodeSession(encodeModel(model), { threads: 1 })).session;

/** Loads a model from src/core/score/test-data/. */
export function loadScoreFixture(name: string): ModelProto {
  return decodeModel(readFileSync(join(HERE, '../test-data', name)), name);
}

/** Loads a model by repository-relative path. */
export function loadRepoModel(path: string): ModelProto {
  return decodeModel(readFileSync(join(REPO_ROOT, path)), path);
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
