// The image-reading options shared by every command that reads a folder of images: a pixel cap
// (--max-megapixels) and what to do with an image that cannot be read: skip it and report it with
// a count at the end (default: one bad file should not abort a run over hundreds), or stop (--strict).
import { numberOption, type ParsedArgs, UsageError } from '../args.js';
import type { CliIO } from '../io.js';
import { DEFAULT_MAX_PIXELS } from '../../core/images/header.js';
import type { ImageLimits } from '../../runtime/node-images.js';

/** How a command reads the images of a folder. */
export interface ImageReadPolicy extends ImageLimits {
  /** Stop at the first unreadable image instead of skipping it. */
  strict?: boolean;
  /** Where the list of skipped images goes; without it every bad image is an error. */
  report?: (text: string) => void;
}

/** Usage lines for the options below. */
export const IMAGE_OPTION_USAGE = [
  `  --max-megapixels N   refuse images over N megapixels before decoding them (default ${DEFAULT_MAX_PIXELS / 1e6})`,
  '  --strict             stop at the first unreadable image (default: skip it and report it)',
];

/** Option names that take a value, for a command's valueOptions. */
export const IMAGE_VALUE_OPTIONS = ['max-megapixels'];

/** Reads --max-megapixels and --strict; skipped images are reported on stderr. */
export function imageReadPolicy(args: ParsedArgs, io: Pick<CliIO, 'stderr'>): ImageReadPolicy {
  const mp = numberOption(args, 'max-megapixels');
  if (mp !== undefined && !(mp > 0)) throw new UsageError(`--max-megapixels must be a positive number, got "${mp}"`);
  return {
    maxPixels: mp === undefined ? DEFAULT_MAX_PIXELS : Math.round(mp * 1e6),
    raiseHint: 'raise the limit with --max-megapixels N',
    strict: args.options.has('strict'),
    report: (text) => io.stderr(text),
  };
}

/** Runs `read` on each item, skipping (and collecting) failures unless the policy is strict. */
export function readSkippingBad<T, R>(items: readonly T[], name: (item: T) => string, read: (item: T) => R, policy: ImageReadPolicy | undefined): { results: { item: T; value: R }[]; skipped: { name: string; reason: string }[] } {
  const results: { item: T; value: R }[] = [];
  const skipped: { name: string; reason: string }[] = [];
  for (const item of items) {
    try {
      results.push({ item, value: read(item) });
    } catch (err) {
      if (!policy?.report || policy.strict) throw err;
      skipped.push({ name: name(item), reason: err instanceof Error ? err.message : String(err) });
    }
  }
  return { results, skipped };
}

/** Reports skipped images (at most 20 listed) with the count, through the policy's report. */
export function reportSkipped(skipped: readonly { name: string; reason: string }[], total: number, policy: ImageReadPolicy | undefined): void {
  if (!skipped.length || !policy?.report) return;
  const shown = skipped.slice(0, 20).map((s) => `  ${s.reason.startsWith(s.name) ? s.reason : `${s.name}: ${s.reason}`}`);
  if (skipped.length > shown.length) shown.push(`  … and ${skipped.length - shown.length} more`);
  policy.report(`skipped ${skipped.length} of ${total} images that could not be read (pass --strict to stop at the first one):\n${shown.join('\n')}\n`);
}
