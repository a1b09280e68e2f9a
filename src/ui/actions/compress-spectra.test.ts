// The Rank tab's whitened spectra follow the calibration images: other images or preprocessing in the
// Validate tab recompute them (a plain spectrum does not depend on them and is kept), and a run still
// in flight for the old images is replaced. The worker client is a stand-in that records the calls.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImageInput, SpectraResult } from '../../workers/protocol';
import { useStudio } from '../store/store';
import type { ValidationImage } from '../store/validation-slice';
import { loadSpectra } from './compress';

const calls: { dataAware: boolean; images: string[] }[] = [];
/** Pending replies of the stand-in worker, answered by `answer`. */
let hold = false;
const pending: (() => void)[] = [];

vi.mock('../services/clients', () => ({
  studioClient: () => ({
    call: async <T>(run: (api: object, jobId: number) => Promise<{ ok: true; value: T }>, signal?: AbortSignal): Promise<T> => {
      const api = {
        layerSpectra: async (r: { dataAware: boolean; calibration?: { images: ImageInput[] } }) => {
          calls.push({ dataAware: r.dataAware, images: r.calibration?.images.map((i) => i.name) ?? [] });
          if (hold) await new Promise<void>((resolve) => pending.push(resolve));
          const value: SpectraResult = { layers: [], skipped: [], modelMacs: 0, ...(r.dataAware ? { dataAware: true } : {}) };
          return { ok: true, value };
        },
      };
      const r = await run(api, 1);
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
      return r.value;
    },
  }),
}));
vi.mock('./transfer', () => ({
  toImageInputs: async (images: readonly ValidationImage[]) => images.map((i) => ({ name: i.name, bytes: new ArrayBuffer(1) })),
  transferImages: <T>(r: T) => r,
  proxyProgress: <T>(fn: T) => fn,
}));

const image = (name: string): ValidationImage => ({ name, blob: new Blob([]) });
const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  calls.length = 0;
  hold = false;
  useStudio.setState({
    spectra: undefined, spectraProgress: undefined, spectraError: undefined,
    preprocess: { preset: 'unit' } as never, rankData: { dataAware: true, refit: false },
  });
  useStudio.getState().setValidationImages([image('a.png')], 'uploaded');
});

describe('whitened spectra keyed by the calibration images', () => {
  it('recompute when the images or the preprocessing change, not otherwise', async () => {
    await loadSpectra();
    await loadSpectra();
    expect(calls).toEqual([{ dataAware: true, images: ['a.png'] }]);
    useStudio.getState().setValidationImages([image('b.png')], 'uploaded');
    await loadSpectra();
    expect(calls.at(-1)).toEqual({ dataAware: true, images: ['b.png'] });
    useStudio.setState({ preprocess: { preset: 'imagenet' } as never });
    await loadSpectra();
    expect(calls).toHaveLength(3);
    // Plain spectra do not read the images: other images keep them.
    useStudio.getState().setRankData({ dataAware: false });
    await loadSpectra();
    useStudio.getState().setValidationImages([image('c.png')], 'uploaded');
    await loadSpectra();
    expect(calls.slice(3)).toEqual([{ dataAware: false, images: [] }]);
    expect(useStudio.getState().spectra?.dataAware).toBeUndefined();
  });

  it('a run in flight for the old images is replaced by one for the new images', async () => {
    hold = true;
    const first = loadSpectra();
    await flush();
    expect(useStudio.getState().spectraProgress).toBeDefined();
    void loadSpectra(); // same images, still computing: no second run
    await flush();
    expect(calls).toHaveLength(1);
    useStudio.getState().setValidationImages([image('b.png')], 'uploaded');
    const second = loadSpectra();
    await flush();
    expect(calls.map((c) => c.images)).toEqual([['a.png'], ['b.png']]);
    pending.forEach((resolve) => resolve());
    await Promise.all([first, second]);
    expect(useStudio.getState().spectra?.dataAware).toBe(true);
    expect(useStudio.getState().spectraProgress).toBeUndefined();
    // The b.png spectra are the ones shown: asking again runs nothing.
    hold = false;
    await loadSpectra();
    expect(calls).toHaveLength(2);
  });
});
