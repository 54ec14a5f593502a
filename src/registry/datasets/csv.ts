import { resolve } from 'node:path';
import { defineDataset, PluginInputError, type DataFacts, type DatasetContext, type LoadedData, type ParamProblem, type Split } from '../kinds.js';
import { sharedFloat32, sharedUint8 } from '../../util/shared.js';
import { cellNumber, readTable, type Table } from './csv-table.js';

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

/**
 * The training layout in another file of the same data (the test file): with a header its columns
 * are matched by name, in any order, and must be the same set; without one, by position, so the
 * widths must agree.
 */
function matchLayout(train: Table, test: Table, layout: Layout, param: string): Layout {
  if (!train.names || !test.names) {
    const width = test.rows[0].cells.length;
    if (width !== layout.width) {
      throw new PluginInputError(
        `${test.file}:${test.rows[0].line}: has ${width} columns, the training file ${train.file} has ${layout.width}; with header: false columns are matched by position, so both files need the same columns`,
        param,
      );
    }
    return layout;
  }
  const trainNames = train.names;
  const testNames = test.names;
  const missing = trainNames.filter((n) => !testNames.includes(n));
  const extra = testNames.filter((n) => !trainNames.includes(n));
  if (missing.length > 0 || extra.length > 0) {
    const list = (names: string[]) => names.map((n) => `'${n}'`).join(', ');
    const what = [...(missing.length > 0 ? [`it lacks ${list(missing)}`] : []), ...(extra.length > 0 ? [`it has ${list(extra)}, which the training file has not`] : [])].join('; ');
    throw new PluginInputError(
      `${test.file}:${test.headerLine}: its columns differ from the training file's (${train.file}: ${trainNames.join(', ')}): ${what}. Columns are matched by name (in any order), so both files need the same ones`,
      param,
    );
  }
  const at = (index: number) => testNames.indexOf(trainNames[index]);
  return { width: testNames.length, features: layout.features.map(at), label: layout.label === undefined ? undefined : at(layout.label), targets: layout.targets?.map(at) };
}

/** Parses every row into shared arrays; a bad row is an error with its line number. */
function parse(table: Table, layout: Layout, param: string): Split & { maxLabel: number } {
  const count = table.rows.length;
  const x = sharedFloat32(count * layout.features.length);
  const y = sharedUint8(count);
  const target = layout.targets ? sharedFloat32(count * layout.targets.length) : undefined;
  let maxLabel = -1;
  table.rows.forEach(({ line, cells }, r) => {
    if (cells.length !== layout.width) throw new PluginInputError(`${table.file}:${line}: expected ${layout.width} fields, got ${cells.length}`, param);
    const number = (column: number) => cellNumber(table, cells[column], line, column, param);
    layout.features.forEach((c, k) => (x[r * layout.features.length + k] = number(c)));
    layout.targets?.forEach((c, k) => (target![r * layout.targets!.length + k] = number(c)));
    if (layout.label !== undefined) {
      const label = number(layout.label);
      if (!Number.isInteger(label) || label < 0 || label > 255) throw new PluginInputError(`${table.file}:${line}: label must be a whole number from 0 to 255 (got '${cells[layout.label]}')`, param);
      y[r] = label;
      maxLabel = Math.max(maxLabel, label);
    }
  });
  return { count, x, y, ...(target ? { target } : {}), maxLabel };
}

/** classes from the params, else from the largest label; a classification needs two of them. */
function classCount(p: CsvParams, train: Table, test: Table, maxLabel: number): number {
  if (p.labelColumn === undefined) return 0;
  if (p.classes === undefined && maxLabel < 1) {
    const files = train.file === test.file ? train.file : `${train.file} and ${test.file}`;
    throw new PluginInputError(
      `a classification needs at least 2 classes, but the labels in ${files} are all ${maxLabel}: set classes (e.g. classes: 2) if the files hold only some of the classes`,
      'labelColumn',
    );
  }
  const classes = p.classes ?? maxLabel + 1;
  if (maxLabel >= classes) throw new PluginInputError(`a label is ${maxLabel}, not below classes (${classes})`, 'classes');
  return classes;
}

async function read(p: CsvParams, ctx: DatasetContext): Promise<LoadedData> {
  const trainTable = await readTable(resolve(ctx.baseDir, p.train), p, 'train');
  const testTable = await readTable(resolve(ctx.baseDir, p.test), p, 'test');
  const layout = layoutOf(trainTable, p);
  const { maxLabel: trainMax, ...train } = parse(trainTable, layout, 'train');
  const { maxLabel: testMax, ...test } = parse(testTable, matchLayout(trainTable, testTable, layout, 'test'), 'test');
  const classes = classCount(p, trainTable, testTable, Math.max(trainMax, testMax));
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
  task: (p) => (p.targetColumns !== undefined ? 'regression' : undefined),
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
