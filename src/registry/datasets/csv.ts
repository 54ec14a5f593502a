import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { defineDataset, PluginInputError, type DataFacts, type DatasetContext, type LoadedData, type ParamProblem, type Split } from '../kinds.js';
import { sharedFloat32, sharedUint8 } from '../../util/shared.js';

type Column = string | number;

export interface CsvParams {
  train: string;
  test: string;
  header: boolean;
  delimiter: string;
  labelColumn?: Column;
  targetColumns?: Column[];
  featureColumns?: Column[];
  classes?: number;
}

interface Table {
  file: string;
  names: string[] | undefined;
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

async function readTable(file: string, p: CsvParams, param: string): Promise<Table> {
  // A device or pipe (/dev/zero) would be read without end: only regular files are data.
  const info = await stat(file).catch(() => undefined);
  if (info && !info.isFile()) throw new PluginInputError(`${file}: not a regular file`, param);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new PluginInputError(`${file}: ${error.code === 'ENOENT' ? 'file not found' : error.message}`, param);
  });
  const lines = text.split(/\r?\n/);
  const rows: Table['rows'] = [];
  let names: string[] | undefined;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const cells = splitLine(line, p.delimiter);
    if (p.header && names === undefined) names = cells;
    else rows.push({ line: i + 1, cells });
  });
  if (rows.length === 0) throw new PluginInputError(`${file}: no data rows`, param);
  return { file, names, rows };
}

/** Column name or 0-based index → index, against the header. */
function columnIndex(table: Table, column: Column, param: string): number {
  const width = table.names?.length ?? table.rows[0].cells.length;
  if (typeof column === 'number') {
    if (column >= width) throw new PluginInputError(`${table.file}: column ${column} does not exist (the rows have ${width} columns, 0 to ${width - 1})`, param);
    return column;
  }
  const index = table.names?.indexOf(column) ?? -1;
  if (index < 0) {
    throw new PluginInputError(
      table.names ? `${table.file}: no column '${column}' in the header (columns: ${table.names.join(', ')})` : `${table.file}: has no header (header: false), so name columns by index`,
      param,
    );
  }
  return index;
}

interface Layout {
  width: number;
  features: number[];
  label: number | undefined;
  targets: number[] | undefined;
}

function layoutOf(table: Table, p: CsvParams): Layout {
  const width = table.names?.length ?? table.rows[0].cells.length;
  const label = p.labelColumn !== undefined ? columnIndex(table, p.labelColumn, 'labelColumn') : undefined;
  const targets = p.targetColumns?.map((c) => columnIndex(table, c, 'targetColumns'));
  const used = new Set([...(label !== undefined ? [label] : []), ...(targets ?? [])]);
  const features = p.featureColumns ? p.featureColumns.map((c) => columnIndex(table, c, 'featureColumns')) : Array.from({ length: width }, (_, i) => i).filter((i) => !used.has(i));
  if (features.length === 0) throw new PluginInputError(`${table.file}: no feature columns left`, 'featureColumns');
  return { width, features, label, targets };
}

/** Parses every row into shared arrays; a bad row is an error with its line number. */
function parse(table: Table, layout: Layout, param: string): Split & { maxLabel: number } {
  const count = table.rows.length;
  const x = sharedFloat32(count * layout.features.length);
  const y = sharedUint8(count);
  const target = layout.targets ? sharedFloat32(count * layout.targets.length) : undefined;
  let maxLabel = -1;
  const number = (text: string, line: number, column: number): number => {
    const value = Number(text);
    if (text === '' || !Number.isFinite(value)) {
      const name = table.names?.[column] !== undefined ? `'${table.names[column]}'` : `${column}`;
      throw new PluginInputError(`${table.file}:${line}: column ${name} is not a number (got '${text}')`, param);
    }
    return value;
  };
  table.rows.forEach(({ line, cells }, r) => {
    if (cells.length !== layout.width) throw new PluginInputError(`${table.file}:${line}: expected ${layout.width} fields, got ${cells.length}`, param);
    layout.features.forEach((c, k) => (x[r * layout.features.length + k] = number(cells[c], line, c)));
    layout.targets?.forEach((c, k) => (target![r * layout.targets!.length + k] = number(cells[c], line, c)));
    if (layout.label !== undefined) {
      const label = number(cells[layout.label], line, layout.label);
      if (!Number.isInteger(label) || label < 0 || label > 255) throw new PluginInputError(`${table.file}:${line}: label must be a whole number from 0 to 255 (got '${cells[layout.label]}')`, param);
      y[r] = label;
      maxLabel = Math.max(maxLabel, label);
    }
  });
  return { count, x, y, ...(target ? { target } : {}), maxLabel };
}

async function read(p: CsvParams, ctx: DatasetContext): Promise<LoadedData> {
  const [trainTable, testTable] = [await readTable(resolve(ctx.baseDir, p.train), p, 'train'), await readTable(resolve(ctx.baseDir, p.test), p, 'test')];
  const layout = layoutOf(trainTable, p);
  const { maxLabel: trainMax, ...train } = parse(trainTable, layout, 'train');
  const { maxLabel: testMax, ...test } = parse(testTable, layoutOf(testTable, p), 'test');
  const classes = p.labelColumn === undefined ? 0 : (p.classes ?? Math.max(trainMax, testMax) + 1);
  if (p.labelColumn !== undefined && Math.max(trainMax, testMax) >= classes) {
    throw new PluginInputError(`a label is ${Math.max(trainMax, testMax)}, not below classes (${classes})`, 'classes');
  }
  const facts: DataFacts = {
    sampleShape: [layout.features.length],
    classes,
    trainSize: train.count,
    testSize: test.count,
    source: trainTable.file,
    ...(layout.targets ? { targetShape: [layout.targets.length] } : {}),
  };
  return { facts, train, test };
}

const column = { oneOf: [{ type: 'string', minLength: 1 }, { type: 'integer', minimum: 0 }] };

export default defineDataset<CsvParams>({
  type: 'csv',
  summary: 'Tabular data from CSV files: numeric feature columns and a class label column or value target columns',
  params: {
    type: 'object',
    properties: {
      train: { type: 'string', minLength: 1, description: 'Training CSV file (relative to the YAML file)' },
      test: { type: 'string', minLength: 1, description: 'Test CSV file' },
      header: { type: 'boolean', default: true, description: 'The first line names the columns' },
      delimiter: { type: 'string', minLength: 1, maxLength: 1, default: ',', description: 'Field separator' },
      labelColumn: { ...column, description: 'Column of class labels 0..classes-1 (name or 0-based index)' },
      targetColumns: { type: 'array', minItems: 1, items: column, description: 'Columns of value targets, for regression (names or indices)' },
      featureColumns: { type: 'array', minItems: 1, items: column, description: 'Input columns (default: every other column)' },
      classes: { type: 'integer', minimum: 2, maximum: 256, description: 'Number of classes (default: the largest label + 1)' },
    },
    required: ['train', 'test'],
    additionalProperties: false,
  },
  check(p) {
    const problems: ParamProblem[] = [];
    if ((p.labelColumn === undefined) === (p.targetColumns === undefined)) {
      problems.push({ path: '', message: 'needs exactly one of labelColumn (classification) and targetColumns (regression)' });
    }
    return problems;
  },
  // CSV files have no header with counts: reading them is how their size and validity are known.
  inspect: async (p, ctx) => (await read(p, ctx)).facts,
  load: read,
});
