/**
 * Control characters (and bidirectional overrides) escaped as \u001b etc.: text quoted from the
 * input must not move the cursor, recolour a terminal, fake a line or reorder the text around it.
 * Keeps newlines when asked.
 */
export function printable(text: string, keepNewlines = false): string {
  const unsafe = keepNewlines ? /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g : /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
  return text.replace(unsafe, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Left-aligned columns. */
export function columns(rows: string[][], indent = ''): string {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows.map((row) => indent + row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')).join('\n');
}
