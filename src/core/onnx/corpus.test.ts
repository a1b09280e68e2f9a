// Lossless I/O over the whole conformance corpus: decode → encode → decode must give the same
// model for every file, and we report how many files do not come back byte-identical (and why).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { decodeModel, encodeModel } from './codec';
import { corpusModels, CORPUS_DIR } from './test-utils/corpus';

/** Why re-encoded bytes differ: same length usually means field order, otherwise encoding choices. */
function describeByteDifference(original: Uint8Array, encoded: Uint8Array): string {
  if (original.length !== encoded.length) {
    return `length ${original.length} → ${encoded.length} (packed/unpacked repeated fields, default values written or dropped, or non-minimal varints)`;
  }
  let at = 0;
  while (original[at] === encoded[at]) at++;
  return `same length, first difference at byte ${at} (fields written in a different order)`;
}

describe('ONNX conformance corpus', () => {
  it('decode → encode → decode is lossless for every model', () => {
    const files = corpusModels();
    expect(files.length, `expected 1,000+ models under ${CORPUS_DIR}`).toBeGreaterThan(1000);
    const notEqual: string[] = [];
    const byteDiffs: string[] = [];
    for (const file of files) {
      // A plain Uint8Array view (as in the browser), so both decodes hand out the same array type.
      const read = readFileSync(file);
      const bytes = new Uint8Array(read.buffer, read.byteOffset, read.byteLength);
      const first = decodeModel(bytes, file);
      const encoded = encodeModel(first);
      const second = decodeModel(encoded, `${file} (re-encoded)`);
      if (!isDeepStrictEqual(first, second)) notEqual.push(file);
      if (Buffer.compare(encoded, bytes) !== 0) {
        byteDiffs.push(`${file.slice(CORPUS_DIR.length + 1)}: ${describeByteDifference(bytes, encoded)}`);
      }
    }
    console.log(
      `corpus: ${files.length} models, ${notEqual.length} not equal after round trip, ` +
        `${byteDiffs.length} re-encoded with different bytes` +
        (byteDiffs.length ? `:\n  ${byteDiffs.slice(0, 20).join('\n  ')}` : ' (all byte-identical)'),
    );
    expect(notEqual).toEqual([]);
  });
});
