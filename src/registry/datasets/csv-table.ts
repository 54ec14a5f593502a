// Reading a CSV file into rows of text cells, and reading a cell as a number; the csv dataset
// decides what the columns mean.
import { readFile, stat } from 'node:fs/promises';
import { PluginInputError } from '../kinds.js';

export interface Table {
  file: string;
  /** The header's column names (header: true), undefined without a header. */
  names: string[] | undefined;
  /** Line of the header (1 unless blank lines come first). */
  headerLine: number;
  /** Data rows with the line number each came from. */
  rows: { line: number; cells: string[] }[];
}

/** Splits one line into fields; a field may be double-quoted (with "" for a quote). */
function splitLine(line: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === delimiter) {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells.map((s) => s.trim());
}

/** Reads file into a table; a file with no data rows, or a header naming a column twice, is an error. */
export async function readTable(file: string, options: { header: boolean; delimiter: string }, param: string): Promise<Table> {
  // A device or pipe (/dev/zero) would be read without end: only regular files are data.
  const info = await stat(file).catch(() => undefined);
  if (info && !info.isFile()) throw new PluginInputError(`${file}: not a regular file`, param);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new PluginInputError(`${file}: ${error.code === 'ENOENT' ? 'file not found' : error.message}`, param);
  });
  const rows: Table['rows'] = [];
  let names: string[] | undefined;
  let headerLine = 1;
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const cells = splitLine(line, options.delimiter);
    if (options.header && names === undefined) {
      names = cells;
      headerLine = i + 1;
    } else rows.push({ line: i + 1, cells });
  });
  const twice = names?.find((name, i) => names!.indexOf(name) !== i);
  // Columns are found by name (and a test file's matched to the training file's by name): one name, one column.
  if (twice !== undefined) throw new PluginInputError(`${file}:${headerLine}: the header names column '${twice}' twice; give each column its own name`, param);
  if (rows.length === 0) throw new PluginInputError(`${file}: no data rows; each split needs at least one sample`, param);
  return { file, names, headerLine, rows };
}

/** What Number() accepts that a CSV cell should not mean: hex, octal, binary, Infinity, blanks. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A cell as a number: decimal only, so '0x10' is an error rather than 16. */
export function cellNumber(table: Table, text: string, line: number, column: number, param: string): number {
  const name = table.names?.[column] !== undefined ? `'${table.names[column]}'` : `${column}`;
  if (!DECIMAL.test(text)) {
    throw new PluginInputError(`${table.file}:${line}: column ${name} is not a number (got '${text}'); numbers are written in decimal, like 12, -0.5 or 1e-3`, param);
  }
  const value = Number(text);
  if (!Number.isFinite(value)) throw new PluginInputError(`${table.file}:${line}: column ${name} is too large for a number (got '${text}')`, param);
  return value;
}
