// Operator facts the UI needs, read from core's operator table (src/core/graph/op-traits.ts):
// colour family and whether an op passes channels straight through.
import { opTraits, type OpFamily } from '../core/graph/op-traits';

export type { OpFamily };

/** The legend family of an op type ('other' when unknown). */
export function opFamily(opType: string): OpFamily {
  return opTraits(opType)?.family ?? 'other';
}

/** True for single-data-input ops that keep the channel count (foldable into their producer). */
export function isChannelTransparent(opType: string): boolean {
  return opTraits(opType)?.perChannel === true;
}

/** Legend order and labels of the families. */
export const FAMILY_LABELS: readonly [OpFamily, string][] = [
  ['conv', 'Convolution'],
  ['linear', 'Linear / MatMul'],
  ['norm', 'Normalization'],
  ['activation', 'Activation'],
  ['pool', 'Pool / Resize'],
  ['concat-split', 'Concat / Split'],
  ['elementwise', 'Elementwise'],
  ['reshape', 'Reshape'],
  ['quantize', 'Quantize / Dequantize'],
  ['constant', 'Constant'],
  ['io', 'Input / Output'],
  ['other', 'Other'],
];
