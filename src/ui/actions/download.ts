// Saving bytes made in the page (pruned model, plan JSON) as a browser download.

/** Saves bytes as a download with `fileName`. */
export function downloadBytes(bytes: BlobPart, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked later, not at once: the browser may still be reading the URL for the download.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
