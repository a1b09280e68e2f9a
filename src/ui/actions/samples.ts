// The bundled sample images (public/samples/index.json): labelled test images for Validate and
// unlabelled calibration images for data criteria and recovery. The index is fetched once and
// the calibration set once per page; a failed fetch is forgotten so the next call retries.
import type { ValidationImage } from '../store/validation-slice';

interface SampleIndex {
  classNames: string[];
  test: { file: string; label: number }[];
  calibration: { file: string }[];
}

const SAMPLES = `${import.meta.env.BASE_URL}samples/`;

let indexCache: Promise<SampleIndex> | undefined;
let calibrationCache: Promise<ValidationImage[]> | undefined;

/** Caches `load()`'s promise, dropping it when it fails. */
function once<T>(cached: Promise<T> | undefined, load: () => Promise<T>, store: (p: Promise<T> | undefined) => void): Promise<T> {
  if (cached) return cached;
  const promise = load().catch((err: unknown) => {
    store(undefined);
    throw err;
  });
  store(promise);
  return promise;
}

function sampleIndex(): Promise<SampleIndex> {
  return once(indexCache, async () => {
    const response = await fetch(`${SAMPLES}index.json`);
    if (!response.ok) throw new Error(`The bundled samples are missing (${SAMPLES}index.json: HTTP ${response.status}).`);
    return (await response.json()) as SampleIndex;
  }, (p) => (indexCache = p));
}

/** Fetches a bundled sample set, a few requests at a time. */
export async function fetchSampleSet(set: 'test' | 'calibration'): Promise<ValidationImage[]> {
  const entries: { file: string; label?: number }[] = (await sampleIndex())[set];
  const out: ValidationImage[] = new Array(entries.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < entries.length) {
      const i = next++;
      const entry = entries[i]!;
      const r = await fetch(SAMPLES + entry.file);
      if (!r.ok) throw new Error(`Missing sample ${entry.file} (HTTP ${r.status}).`);
      out[i] = { name: entry.file, blob: await r.blob(), label: entry.label };
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return out;
}

/** The bundled calibration images (unlabelled), fetched once. */
export function calibrationImages(): Promise<ValidationImage[]> {
  return once(calibrationCache, () => fetchSampleSet('calibration'), (p) => (calibrationCache = p));
}

/** Bundled class names, used when the model card has none; [] when the samples are missing. */
export async function sampleClassNames(): Promise<string[]> {
  return sampleIndex().then((index) => index.classNames, () => []);
}

/** How many bundled calibration images there are (0 when the samples are missing); reads only the index. */
export async function bundledCalibrationCount(): Promise<number> {
  return sampleIndex().then((index) => index.calibration.length, () => 0);
}
