// Preprocessing presets and defaults read off a model's input shape.
import type { PreprocessSpec } from './preprocess.js';

/** Known preset names. */
export const PRESET_NAMES = ['unit', 'grayscale-unit', 'imagenet'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** What a model's input shape says about its images. */
export interface InputLayout {
  layout: 'NCHW' | 'NHWC';
  channels: 1 | 3;
  width: number;
  height: number;
}

const DEFAULT_SIZE = 224;
const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

const fixed = (d: number | string | undefined): number | undefined => (typeof d === 'number' && d > 0 ? d : undefined);

/**
 * Reads layout, channels and size from a 4-D image input shape such as [N, 3, 224, 224] or
 * [N, 28, 28, 1]. The channel axis is where a 1 or 3 sits (axis 1 wins when both could be);
 * symbolic spatial dims default to 224.
 */
export function inferInputLayout(inputShape: readonly (number | string)[]): InputLayout {
  if (inputShape.length !== 4) {
    throw new Error(`image models take a 4-D input ([N, C, H, W] or [N, H, W, C]); this one is [${inputShape.join(', ')}]`);
  }
  const [, d1, d2, d3] = inputShape;
  const isChannels = (d: number | string | undefined) => d === 1 || d === 3;
  const nhwc = !isChannels(d1) && isChannels(d3);
  const channels = (nhwc ? d3 : d1) as number | string | undefined;
  if (!isChannels(channels)) {
    throw new Error(`cannot tell the channel axis of input [${inputShape.join(', ')}]: expected 1 or 3 channels on axis 1 or 3`);
  }
  const [h, w] = nhwc ? [d1, d2] : [d2, d3];
  return { layout: nhwc ? 'NHWC' : 'NCHW', channels: channels as 1 | 3, height: fixed(h) ?? DEFAULT_SIZE, width: fixed(w) ?? DEFAULT_SIZE };
}

/** Default preprocessing for a model input: [0, 1] values at its size, grayscale when it has 1 channel. */
export function inferPreprocess(inputShape: readonly (number | string)[]): PreprocessSpec {
  const io = inferInputLayout(inputShape);
  return { ...io, resize: 'stretch', colorOrder: 'RGB', scale: 1 / 255, mean: [0], std: [1] };
}

/**
 * A named preset adapted to the model input: "unit" ([0, 1] at the input size), "grayscale-unit"
 * (the same, forced to 1 channel) and "imagenet" (shorter side to 256/224 of the input size, centre
 * crop, ImageNet mean/std).
 */
export function presetPreprocess(name: string, inputShape: readonly (number | string)[]): PreprocessSpec {
  const base = inferPreprocess(inputShape);
  switch (name) {
    case 'unit':
      return base;
    case 'grayscale-unit':
      if (base.channels !== 1) throw new Error(`preset "grayscale-unit" needs a 1-channel input; the model takes [${inputShape.join(', ')}]`);
      return base;
    case 'imagenet': {
      const gray = base.channels === 1;
      return {
        ...base,
        resize: Math.round((Math.min(base.width, base.height) * 256) / 224),
        mean: gray ? [0.449] : IMAGENET_MEAN,
        std: gray ? [0.226] : IMAGENET_STD,
      };
    }
    default:
      throw new Error(`unknown preprocessing preset "${name}"; use one of: ${PRESET_NAMES.join(', ')}`);
  }
}
