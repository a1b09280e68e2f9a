// Pure image preprocessing: decoded pixels (RGBA, RGB or gray bytes) → one model input sample.
// Resize is bilinear with half-pixel centres (PIL / torchvision without antialias), done together
// with the centre crop: only the pixels that survive the crop are ever computed.
import type { Float32Tensor } from '../float32-tensor.js';

/** Decoded pixels, row-major, `channels` bytes per pixel (4 = RGBA as canvases and pngjs give, 1 = gray). */
export interface PixelImage {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  data: Uint8ClampedArray | Uint8Array;
}

/** How to turn an image into a model input. Output is values * scale, then (v - mean[c]) / std[c]. */
export interface PreprocessSpec {
  /** Model input width and height. */
  width: number;
  height: number;
  /**
   * `stretch`: resize straight to width×height. A number: resize so the shorter side is that many
   * pixels (keeping the aspect ratio), then centre-crop width×height (ImageNet's 256 → 224).
   */
  resize: 'stretch' | number;
  /** 1: grayscale (ITU-R 601 luma, as PIL's convert('L')); 3: colour. */
  channels: 1 | 3;
  layout: 'NCHW' | 'NHWC';
  colorOrder: 'RGB' | 'BGR';
  /** Multiplier applied to 0..255 bytes first (1/255 gives [0, 1]). */
  scale: number;
  /** Per output channel (in the model's channel order), or one value for all. */
  mean: number[];
  std: number[];
}

/** Bilinear sample positions along one axis: source index pairs and the weight of the second. */
function axisWeights(outSize: number, offset: number, resized: number, source: number) {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const w = new Float32Array(outSize);
  const ratio = source / resized;
  for (let i = 0; i < outSize; i++) {
    const s = Math.min(Math.max((i + offset + 0.5) * ratio - 0.5, 0), source - 1);
    lo[i] = Math.floor(s);
    hi[i] = Math.min(lo[i]! + 1, source - 1);
    w[i] = s - lo[i]!;
  }
  return { lo, hi, w };
}

/** Resized size and crop offset for `spec` from an image of width×height (label masks follow the same geometry). */
export function cropGeometry(image: Pick<PixelImage, 'width' | 'height'>, spec: PreprocessSpec): { rw: number; rh: number; ox: number; oy: number } {
  if (spec.resize === 'stretch') return { rw: spec.width, rh: spec.height, ox: 0, oy: 0 };
  const shorter = Math.min(image.width, image.height);
  const rw = Math.max(spec.width, Math.round((image.width * spec.resize) / shorter));
  const rh = Math.max(spec.height, Math.round((image.height * spec.resize) / shorter));
  return { rw, rh, ox: Math.floor((rw - spec.width) / 2), oy: Math.floor((rh - spec.height) / 2) };
}

/** Per-channel value of an option that may be given once for all channels. */
function perChannel(values: number[], channels: number, what: string): number[] {
  if (values.length === 1) return Array<number>(channels).fill(values[0]!);
  if (values.length !== channels) throw new Error(`${what} has ${values.length} values, the model input has ${channels} channel(s)`);
  return values;
}

/** Preprocesses one image into a C×H×W (NCHW) or H×W×C (NHWC) float32 sample, without batch dim. */
export function preprocessImage(image: PixelImage, spec: PreprocessSpec): Float32Array {
  const { width: W, height: H, channels: C } = spec;
  if (image.width < 1 || image.height < 1) throw new Error(`image is ${image.width}×${image.height}: nothing to preprocess`);
  if (image.data.length < image.width * image.height * image.channels) {
    throw new Error(`image data has ${image.data.length} bytes, ${image.width}×${image.height}×${image.channels} needs ${image.width * image.height * image.channels}`);
  }
  const mean = perChannel(spec.mean, C, 'mean');
  const std = perChannel(spec.std, C, 'std');
  const { rw, rh, ox, oy } = cropGeometry(image, spec);
  const xs = axisWeights(W, ox, rw, image.width);
  const ys = axisWeights(H, oy, rh, image.height);
  const src = image.data;
  const sc = image.channels;
  const out = new Float32Array(C * H * W);
  // Output channel k reads source channel order[k]; gray images feed every channel.
  const order = spec.colorOrder === 'BGR' ? [2, 1, 0] : [0, 1, 2];
  const sample = new Float32Array(3);
  for (let y = 0; y < H; y++) {
    const r0 = ys.lo[y]! * image.width;
    const r1 = ys.hi[y]! * image.width;
    const wy = ys.w[y]!;
    for (let x = 0; x < W; x++) {
      const wx = xs.w[x]!;
      const p00 = (r0 + xs.lo[x]!) * sc;
      const p01 = (r0 + xs.hi[x]!) * sc;
      const p10 = (r1 + xs.lo[x]!) * sc;
      const p11 = (r1 + xs.hi[x]!) * sc;
      const colours = sc === 1 ? 1 : 3;
      for (let k = 0; k < colours; k++) {
        const top = src[p00 + k]! + (src[p01 + k]! - src[p00 + k]!) * wx;
        const bottom = src[p10 + k]! + (src[p11 + k]! - src[p10 + k]!) * wx;
        sample[k] = top + (bottom - top) * wy;
      }
      if (sc === 1) sample[1] = sample[2] = sample[0]!;
      for (let c = 0; c < C; c++) {
        const v = C === 1 ? 0.299 * sample[0]! + 0.587 * sample[1]! + 0.114 * sample[2]! : sample[order[c]!]!;
        const index = spec.layout === 'NCHW' ? (c * H + y) * W + x : (y * W + x) * C + c;
        out[index] = (v * spec.scale - mean[c]!) / std[c]!;
      }
    }
  }
  return out;
}

/**
 * The batch size an image input was exported with, when fixed (a traced [1, 3, 224, 224]): such a
 * model only accepts that many images per run. Undefined when the batch dim is symbolic or unknown.
 */
export function fixedBatchSize(shape: readonly (number | string | undefined)[]): number | undefined {
  const n = shape[0];
  return typeof n === 'number' && n > 0 ? n : undefined;
}

/** Dims of a batch of `n` samples for `spec`. */
export function batchDims(spec: PreprocessSpec, n: number): number[] {
  return spec.layout === 'NCHW' ? [n, spec.channels, spec.height, spec.width] : [n, spec.height, spec.width, spec.channels];
}

/** Stacks preprocessed samples (from preprocessImage with the same spec) into one batch tensor. */
export function stackBatch(samples: readonly Float32Array[], spec: PreprocessSpec): Float32Tensor {
  const size = spec.channels * spec.height * spec.width;
  const data = new Float32Array(samples.length * size);
  samples.forEach((s, i) => {
    if (s.length !== size) throw new Error(`sample ${i} has ${s.length} values, the spec needs ${size}`);
    data.set(s, i * size);
  });
  return { dims: batchDims(spec, samples.length), data };
}
