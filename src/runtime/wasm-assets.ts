// Browser only: the onnxruntime-web WebAssembly binary as a same-origin URL. Vite copies the file into
// the build (dev: served from node_modules) and `?url` gives its address, so the page never fetches
// the runtime from a CDN. 'onnxruntime-web' resolves to ort.bundle.min.mjs in a browser, which embeds
// the JS glue and needs only this JSEP build of the binary (it serves both the WASM and WebGPU EPs).
import jsepWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';

/** Same-origin URL of ort-wasm-simd-threaded.jsep.wasm. */
export const ortWasmUrl: string = jsepWasmUrl;
