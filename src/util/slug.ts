/** 'SGD with momentum' → 'sgd-with-momentum': safe in paths and trial ids. */
export function slug(name: string): string {
  const s = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}.]+/gu, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return s || 'optimizer';
}
