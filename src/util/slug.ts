/** A slug is at most this many bytes of UTF-8: one path segment on any file system (their limit is 255). */
export const MAX_SLUG_BYTES = 100;

/**
 * 'SGD with momentum' → 'sgd-with-momentum': safe in paths and trial ids. Only letters, digits, '-'
 * and inner '.' remain, so a slug is one path segment and never '.', '..' or empty; long names are cut
 * to MAX_SLUG_BYTES (normalize reports two optimizers whose slugs collide).
 */
export function slug(name: string): string {
  const s = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}.]+/gu, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  let cut = '';
  let bytes = 0;
  for (const c of s) {
    const cp = c.codePointAt(0)!;
    bytes += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes > MAX_SLUG_BYTES) break;
    cut += c;
  }
  return cut.replace(/[-.]+$/, '') || 'optimizer';
}
