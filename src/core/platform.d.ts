// The few host APIs that every platform core runs on (browsers, workers, Node ≥ 18) provides.
// Declared here because core compiles without DOM or Node typings on purpose.
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer): string;
}
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
/** High-resolution clock (browsers, workers and Node ≥ 16 have it as a global). */
declare const performance: { now(): number };
