import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The page's network is the environment here: a served public/samples folder, counted per URL.
function serve(files: Record<string, unknown>) {
  const hits: string[] = [];
  vi.stubGlobal('fetch', async (url: string) => {
    hits.push(url);
    const body = files[url];
    if (body === undefined) return new Response('not found', { status: 404 });
    return new Response(typeof body === 'string' ? body : JSON.stringify(body));
  });
  return hits;
}

const INDEX = { classNames: ['shirt', 'shoe'], test: [{ file: 'test/1.png', label: 1 }], calibration: [{ file: 'calibration/2.png' }] };

beforeEach(() => vi.resetModules()); // each test gets fresh caches
afterEach(() => vi.unstubAllGlobals());

describe('bundled samples', () => {
  it('fetches the index once for class names, the test set and the calibration set', async () => {
    const hits = serve({ '/samples/index.json': INDEX, '/samples/test/1.png': 'png1', '/samples/calibration/2.png': 'png2' });
    const samples = await import('./samples');
    expect(await samples.sampleClassNames()).toEqual(['shirt', 'shoe']);
    const test = await samples.fetchSampleSet('test');
    expect(test.map((i) => [i.name, i.label])).toEqual([['test/1.png', 1]]);
    expect(await test[0]!.blob.text()).toBe('png1');
    await samples.calibrationImages();
    await samples.calibrationImages();
    expect(hits.filter((u) => u.endsWith('index.json'))).toHaveLength(1);
    expect(hits.filter((u) => u.includes('calibration/'))).toHaveLength(1);
  });

  it('tells what is missing, and tries again after a failure', async () => {
    const files: Record<string, unknown> = {};
    serve(files);
    const samples = await import('./samples');
    expect(await samples.sampleClassNames()).toEqual([]);
    await expect(samples.calibrationImages()).rejects.toThrow(/bundled samples are missing/);
    files['/samples/index.json'] = INDEX;
    await expect(samples.calibrationImages()).rejects.toThrow(/Missing sample calibration\/2\.png/);
    files['/samples/calibration/2.png'] = 'png2';
    expect(await samples.calibrationImages()).toHaveLength(1);
  });
});
