// Browser only: the onnxruntime-web WebAssembly binary and its JS loader as same-origin URLs. Vite
// copies both files into the build verbatim (dev: serves them from node_modules) and `?url` gives
// their addresses, so the page never fetches the runtime from a CDN.
//
// Why the loader too: 'onnxruntime-web' embeds its loader in our bundle, and WASM threads start
// workers from the loader's own URL, i.e. from one of our chunks, which may run DOM code (Vite's
// modulepreload polyfill) at the top level and crash in a worker. Pointing ort at the standalone
// loader file makes the thread workers load that file alone.
import jsepMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.mjs?url';
import jsepWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';

/** Same-origin URLs of ort-wasm-simd-threaded.jsep.{mjs,wasm} (the build that serves WASM and WebGPU). */
export const ortWasmPaths: { mjs: string; wasm: string } = { mjs: jsepMjsUrl, wasm: jsepWasmUrl };
