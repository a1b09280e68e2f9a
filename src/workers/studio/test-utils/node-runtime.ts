// Vitest module factories that let the studio worker's own functions run in Node: images decoded by
// the Node decoder (the worker uses the browser's), sessions on onnxruntime-node (the worker opens
// WASM). The core code in between is the same either way. Use as
//   vi.mock('../../runtime/web-images', async (orig) => (await import('./test-utils/node-runtime')).nodeWebImages(orig));
//   vi.mock('../../runtime/session', async (orig) => (await import('./test-utils/node-runtime')).nodeSessions(orig));
// (the dynamic import keeps the factories valid after vi.mock is hoisted).
import type * as Session from '../../../runtime/session';

type ImportOriginal = <T>() => Promise<T>;

/** runtime/web-images with decodeImageBlob decoding through runtime/node-images. */
export async function nodeWebImages(importOriginal: ImportOriginal): Promise<object> {
  const { decodeImage } = await import('../../../runtime/node-images');
  return { ...(await importOriginal<object>()), decodeImageBlob: async (blob: Blob, source: string) => decodeImage(new Uint8Array(await blob.arrayBuffer()), source) };
}

/** runtime/session with every session opened on onnxruntime-node. */
export async function nodeSessions(importOriginal: ImportOriginal): Promise<object> {
  const original = await importOriginal<typeof Session>();
  return { ...original, createSession: (bytes: Uint8Array, opts: object) => original.createSession(bytes, { ...opts, backend: 'cpu-node' }) };
}
