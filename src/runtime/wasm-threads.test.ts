import { describe, expect, it } from 'vitest';
import { chooseWasmThreads, describeBackend, threadEnvironment, threadsParam } from './wasm-threads.js';

const browser = (cores: number, crossOriginIsolated = true) => ({ node: false, crossOriginIsolated, cores });

describe('chooseWasmThreads', () => {
  it('leaves one core to the page, up to 4 threads', () => {
    expect(chooseWasmThreads(undefined, browser(4))).toEqual({ threads: 3 });
    expect(chooseWasmThreads(undefined, browser(3))).toEqual({ threads: 2 });
    expect(chooseWasmThreads(undefined, browser(16))).toEqual({ threads: 4 });
  });

  it('runs single-threaded on 2 cores or fewer, and says why', () => {
    expect(chooseWasmThreads(undefined, browser(2))).toEqual({ threads: 1, reason: expect.stringMatching(/^2 CPU cores: .*page keeps a core/) });
    expect(chooseWasmThreads(undefined, browser(1)).reason).toMatch(/^1 CPU core: /);
  });

  it('takes an explicit request as asked, even on few cores', () => {
    expect(chooseWasmThreads(2, browser(2))).toEqual({ threads: 2 });
    expect(chooseWasmThreads(0, browser(8))).toEqual({ threads: 1 });
  });

  it('needs cross-origin isolation for threads, and runs single-threaded in Node', () => {
    expect(chooseWasmThreads(4, browser(8, false))).toEqual({ threads: 1, reason: expect.stringMatching(/not cross-origin isolated/) });
    expect(chooseWasmThreads(undefined, { node: true, crossOriginIsolated: false, cores: 8 })).toEqual({ threads: 1 });
    expect(chooseWasmThreads(2, { node: true, crossOriginIsolated: false, cores: 8 }).reason).toMatch(/single-threaded in Node/);
  });

  it('reads Node as Node', () => {
    expect(threadEnvironment().node).toBe(true);
  });
});

describe('describeBackend', () => {
  it('names the threads when known', () => {
    expect(describeBackend('wasm', 1)).toBe('wasm · 1 thread');
    expect(describeBackend('wasm', 3)).toBe('wasm · 3 threads');
    expect(describeBackend('webgpu', undefined)).toBe('webgpu');
  });
});

describe('threadsParam', () => {
  it('reads ?threads=N, ignoring anything but a whole number ≥ 1', () => {
    expect(threadsParam('?threads=2')).toBe(2);
    expect(threadsParam('?demo=0&threads=3')).toBe(3);
    expect(threadsParam('')).toBeUndefined();
    expect(threadsParam('?threads=0')).toBeUndefined();
    expect(threadsParam('?threads=1.5')).toBeUndefined();
    expect(threadsParam('?threads=lots')).toBeUndefined();
  });
});
