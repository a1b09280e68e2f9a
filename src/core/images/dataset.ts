// Labels of an image folder: class sub-folders named by output index ("0", "1", ...) or by a name
// listed in a labels file (line i = the name of output i). Images outside class folders are unlabelled.

/** Parses a labels file: one class name per line, line i naming output index i; blank lines end nothing. */
export function parseLabels(text: string): string[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The output index a class folder stands for: its number when the name is a non-negative integer,
 * else its position in `labelNames` (case-sensitive, then case-insensitive); undefined when neither.
 */
export function labelForFolder(folder: string, labelNames?: readonly string[]): number | undefined {
  if (/^\d+$/.test(folder)) return Number(folder);
  if (!labelNames) return undefined;
  const exact = labelNames.indexOf(folder);
  if (exact >= 0) return exact;
  const lower = folder.toLowerCase();
  const loose = labelNames.findIndex((n) => n.toLowerCase() === lower);
  return loose >= 0 ? loose : undefined;
}
