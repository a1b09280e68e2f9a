// The conformance corpus: every model.onnx shipped by Debian's libonnx-testdata (1,000+ real
// models from the ONNX backend tests, PyTorch converters and model zoo). Node-only test helper.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const CORPUS_DIR = '/usr/share/libonnx-testdata/data';

/** Every model.onnx under the corpus, sorted; throws with the fix when the corpus is missing. */
export function corpusModels(): string[] {
  if (!existsSync(CORPUS_DIR)) {
    throw new Error(
      `The ONNX conformance corpus ${CORPUS_DIR} is missing. Run scripts/ensure-system-deps.sh ` +
        '(installs the Debian package libonnx-testdata), then run the tests again.',
    );
  }
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry === 'model.onnx') found.push(path);
    }
  };
  walk(CORPUS_DIR);
  return found.sort();
}
