// The input size MACs are counted at (Model tab, dynamic H/W models): the worker re-infers the
// shapes at that size and the summary, the cost table and the graph's counts follow.
import { studioClient } from '../services/clients';
import { useStudio } from '../store/store';
import { scheduleCost } from './cost';
import { errorText } from './errors';

const s = () => useStudio.getState();

/** Parses "1,3,640,640" (or "1×3×640×640"); undefined when empty. Throws with what to type otherwise. */
export function parseInputSize(text: string): number[] | undefined {
  const t = text.trim();
  if (!t) return undefined;
  const parts = t.split(/[,×x\s]+/).filter(Boolean).map(Number);
  if (parts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`"${text}" is not a list of positive whole numbers: type e.g. 1,3,640,640.`);
  return parts;
}

/** Sizes the first input (undefined: back to the declared shape); returns an error text or undefined. */
export async function setInputSize(shape: number[] | undefined): Promise<string | undefined> {
  const model = s().summary;
  try {
    const summary = await studioClient().call((api, jobId) => api.setInputSize({ jobId, ...(shape ? { shape } : {}) }));
    if (s().summary !== model) return undefined;
    s().summaryUpdated(summary);
    scheduleCost(0);
    return undefined;
  } catch (err) {
    return errorText(err);
  }
}
