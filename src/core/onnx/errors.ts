/** Raised when bytes are not a readable ONNX model; the message names the file and what to do. */
export class OnnxFormatError extends Error {
  override readonly name = 'OnnxFormatError';
  constructor(
    /** The file (or label) the bytes came from, so the user knows which input is wrong. */
    readonly source: string,
    /** What is wrong with it, in plain words. */
    readonly problem: string,
    /** What the user can do about it. */
    readonly hint = 'Export the model again with torch.onnx.export (or another ONNX exporter) and open the .onnx file.',
  ) {
    super(`${source}: ${problem}. ${hint}`);
  }
}
