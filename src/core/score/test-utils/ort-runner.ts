// Test helper: a ModelRunner over onnxruntime-node, and fixture loading.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodeSession } from '../../../runtime/node-session.js';
import { decodeModel, encodeModel } from '../../onnx/codec.js';
import type { ModelProto } from '../../onnx/proto.js';
import type { ModelRunner } from '../runner.js';
import { seededRandom } from '../../random.js';
export { seededRandom };

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

