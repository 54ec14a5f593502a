import { Composer, isAlias, isMap, isPair, isScalar, isSeq, Lexer, LineCounter, Parser, visit, YAMLParseError, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { ConfigError, formatPath, type LocatedProblem, type Path, type Problem } from '../util/errors.js';
import { documentProblems, isMergeKey, lexemesTooDeep, MAX_DEPTH, readExperimentText, toData, tooDeepToken } from './guards.js';

/** The experiment file as parsed, with positions kept to locate problems later. */
export interface SourceDocument {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
  /** The plain data (after overrides), which the pipeline validates. */
  data: unknown;
  /** What flags on the command line created (a problem at or under a path names its flag), in order. */
  overrides: { path: Path; flag: string }[];
}

export async function loadFile(file: string): Promise<SourceDocument> {
  return parseSource(await readExperimentText(file), file);
}

export function parseSource(text: string, file: string): SourceDocument {
  const { doc, lineCounter, data } = readYaml(text, file, { allowEmpty: false });
  return { file, doc, lineCounter, data, overrides: [] };
}

/**
 * YAML text as a document with positions and as plain data, by the rules of experiment files (strict,
 * no custom tags, YAML 1.1 merge keys, bounded aliases and nesting, decimal numbers); throws a
 * ConfigError naming `file` for what breaks them. `--set` values are read by the same rules.
 */
export function readYaml(text: string, file: string, { allowEmpty }: { allowEmpty: boolean }): { doc: Document; lineCounter: LineCounter; data: unknown } {
  const lineCounter = new LineCounter();
  const doc = parseYaml(text, lineCounter, file);
  const problems: LocatedProblem[] = [];
  const issues = [...doc.errors, ...doc.warnings];
  // Nesting that exhausted the parser's stack comes with hundreds of follow-on errors: report it alone.
  const exhausted = issues.find((issue) => issue.code === 'RESOURCE_EXHAUSTION');
  for (const issue of exhausted ? [exhausted] : issues) {
    if (problems.length >= MAX_SYNTAX_PROBLEMS) break;
    const unclosed = /end with an? ([}\]])/.exec(issue.message) ? unclosedFlow(doc, text, issue.pos[0]) : undefined;
    const { line, col } = lineCounter.linePos(unclosed?.offset ?? issue.pos[0]);
    // One error a line: the parser's follow-on complaints (after a tab, say) only confuse.
    if (problems.some((p) => p.line === line)) continue;
    const message = unclosed
      ? `YAML syntax: this ${unclosed.open} is never closed; add ${unclosed.close} at the end of its ${unclosed.open === '{' ? 'mapping' : 'list'}`
      : keyPathInFlow(text, issue.pos[0])
        ? `YAML syntax: a key path with brackets (${keyPathInFlow(text, issue.pos[0])}) cannot stand unquoted inside a flow mapping {...}, where [ and ] start a list; write that mapping in block style (one 'path: value' a line) or quote the key ('${keyPathInFlow(text, issue.pos[0])}')`
        : issue.code === 'DUPLICATE_KEY'
        ? `YAML syntax: duplicate key '${clip(duplicateKey(text, issue.pos[0]))}'; a key may appear only once in a mapping`
        : issue.code === 'TAG_RESOLVE_FAILED'
          ? `YAML syntax: unknown tag ${clip(text.slice(issue.pos[0], Math.min(issue.pos[1], issue.pos[0] + 100)))} (custom tags are not allowed: nothing in an experiment file runs code)`
          : issue.code === 'RESOURCE_EXHAUSTION'
            ? `YAML syntax: lists and mappings are nested too deeply to read (an experiment needs only a few levels; at most ${MAX_DEPTH})`
            : issue.code === 'MULTIPLE_DOCS'
              ? "YAML syntax: a second document starts here ('---'); an experiment file holds one document"
              : yamlMessage(issue.code, issue.message);
    problems.push({ file, line, col, path: '', message });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (doc.contents === null && !allowEmpty) {
    throw new ConfigError([{ file, line: 1, col: 1, path: '', message: 'the file is empty; an experiment needs at least name, dataset, model, loss and optimizers' }]);
  }
  const structural = documentProblems(doc, lineCounter, file);
  if (structural.length > 0) throw new ConfigError(structural);
  return { doc, lineCounter, data: toData(doc, lineCounter, file) };
}

/**
 * yaml's parseDocument, with the token tree checked for depth before it is composed (see
 * tooDeepToken). logLevel 'error': warnings come back in doc.warnings, never on the console.
 */
function parseYaml(text: string, lineCounter: LineCounter, file: string): Document {
  const tooDeep = (line: number, col: number, what: string): never => {
    throw new ConfigError([{ file, line, col, path: '', message: `${what}; an experiment needs only a few levels` }]);
  };
  // Lexed first and bounded, so that the parser never recurses deeply (see lexemesTooDeep).
  const lexemes = [...new Lexer().lex(text)];
  const lexDeep = lexemesTooDeep(lexemes);
  if (lexDeep !== undefined) {
    const before = text.slice(0, lexDeep);
    tooDeep(before.split('\n').length, lexDeep - before.lastIndexOf('\n'), 'lists and mappings are nested (or lines indented) too deeply here');
  }
  const parser = new Parser(lineCounter.addNewLine);
  lineCounter.addNewLine(0);
  const tokens = [...lexemes.flatMap((lexeme) => [...parser.next(lexeme)]), ...parser.end()];
  const deep = tooDeepToken(tokens);
  if (deep) {
    const { line, col } = lineCounter.linePos((deep as { offset: number }).offset);
    tooDeep(line, col, `lists and mappings are nested more than ${MAX_DEPTH} deep here`);
  }
  // merge: `<<: *anchor` as YAML 1.1 merge keys, which people write to share optimizer settings.
  const composer = new Composer({ uniqueKeys: true, strict: true, merge: true, logLevel: 'error' });
  let doc: Document | undefined;
  for (const next of composer.compose(tokens, true, text.length)) {
    if (!doc) doc = next;
    else {
      doc.errors.push(new YAMLParseError([next.range[0], next.range[1]], 'MULTIPLE_DOCS', 'a second document'));
      break;
    }
  }
  return doc!;
}

/** Syntax problems reported at most; the first ones are what a user fixes first anyway. */
const MAX_SYNTAX_PROBLEMS = 20;

/** A piece of the input quoted in a message, cut to a readable length. */
const clip = (text: string): string => (text.length > 40 ? `${text.slice(0, 37)}...` : text);

/** The innermost flow collection ({...} or [...]) opened before `offset` and never closed. */
function unclosedFlow(doc: Document, text: string, offset: number): { offset: number; open: string; close: string } | undefined {
  let found: { offset: number; open: string; close: string } | undefined;
  visit(doc, {
    Collection(_, node) {
      const [start, end] = node.range ?? [0, 0];
      if (!node.flow || start >= offset) return;
      const open = text[start];
      const close = open === '{' ? '}' : ']';
      // Closed when the text after its last item (or after the opening bracket) holds the closing one.
      const last = node.items.at(-1) as unknown;
      const lastNode = (isPair(last) ? (last.value ?? last.key) : last) as Node | null | undefined;
      const after = lastNode?.range ? lastNode.range[1] : start + 1;
      if ((open === '{' || open === '[') && !text.slice(after, end).includes(close) && (!found || start > found.offset)) {
        found = { offset: start, open, close };
      }
    },
  });
  return found;
}

/**
 * A `--set` path with brackets (optimizers[*].lr) unquoted in a flow mapping on the line of a syntax
 * error at `offset`: the likely cause of it (a sweep's points written as {optimizers[*].lr: 0.1}).
 */
function keyPathInFlow(text: string, offset: number): string | undefined {
  const start = text.lastIndexOf('\n', Math.max(0, offset - 1)) + 1;
  const end = text.indexOf('\n', offset);
  const line = text.slice(start, end < 0 ? undefined : end);
  const match = /\{[^}'"]*?([A-Za-z_$][\w$-]*(?:\[(?:\d+|\*)\]|\.[A-Za-z_$][\w$-]*)*\[(?:\d+|\*)\](?:\[(?:\d+|\*)\]|\.[A-Za-z_$][\w$-]*)*)\s*:/.exec(line);
  return match?.[1];
}

/** The key a DUPLICATE_KEY error points at. */
const duplicateKey = (text: string, offset: number): string => /^[^:,{}\n]*/.exec(text.slice(offset, offset + 200))![0].trim().replace(/^["']|["']$/g, '');

/** YAML's own message, first line only and without its position (we print FILE:LINE:COL). */
function yamlMessage(code: string, message: string): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'TAB_AS_INDENT') return 'YAML syntax: tabs are not allowed for indentation; indent with spaces';
  return `YAML syntax: ${first}`;
}

/**
 * The node at a path, and the key node when the last step is a mapping key. A value a YAML merge key
 * (`<<: *anchor`) brought in is found where the anchor wrote it.
 */
export function findNode(doc: Document, path: Path): { node?: Node; key?: Node; depth: number } {
  let current: unknown = doc.contents;
  let key: Node | undefined;
  let depth = 0;
  for (const segment of path) {
    if (isMap(current)) {
      const pair = pairFor(doc, current, String(segment), new Set());
      if (!pair) break;
      key = pair.key as Node;
      current = pair.value;
    } else if (isSeq(current) && typeof segment === 'number' && segment < current.items.length) {
      key = undefined;
      current = current.items[segment];
    } else {
      break;
    }
    depth++;
  }
  return { node: (current ?? undefined) as Node | undefined, key, depth };
}

/** The mappings a merge key's value names: an alias of one, a mapping, or a list of those. */
function mergeSources(doc: Document, value: unknown): YAMLMap[] {
  const resolved = isAlias(value) ? value.resolve(doc) : value;
  if (isMap(resolved)) return [resolved];
  if (!isSeq(resolved)) return [];
  return resolved.items.map((item) => (isAlias(item) ? item.resolve(doc) : item)).filter((item): item is YAMLMap => isMap(item));
}

/**
 * The pair that gives a mapping's key its value, as YAML 1.1 merges: the mapping's own key, else the
 * first merge source (in order) that has it, itself merged the same way.
 */
function pairFor(doc: Document, map: YAMLMap, name: string, seen: Set<YAMLMap>): Pair | undefined {
  if (seen.has(map)) return undefined;
  seen.add(map);
  // A key the document gained by setIn (a --set override) may be a plain string, not a Scalar.
  const own = map.items.find((p) => !isMergeKey(p.key) && String(isScalar(p.key) ? p.key.value : p.key) === name);
  if (own) return own;
  for (const p of map.items) {
    if (!isMergeKey(p.key)) continue;
    for (const source of mergeSources(doc, p.value)) {
      const found = pairFor(doc, source, name, seen);
      if (found) return found;
    }
  }
  return undefined;
}

/** Attaches FILE:LINE:COL (or the overriding flag) to each problem; sorted by position. */
export function locate(source: SourceDocument, problems: Problem[]): LocatedProblem[] {
  const located = problems.map((problem): LocatedProblem & { offset: number } => {
    const path = formatPath(problem.path);
    // The last flag wins: it set what is there now.
    const override = [...source.overrides].reverse().find((o) => o.path.length <= problem.path.length && o.path.every((seg, i) => String(problem.path[i]) === String(seg)));
    if (override) return { file: source.file, flag: override.flag, path, message: problem.message, offset: -1 };
    const { node, key, depth } = findNode(source.doc, problem.path);
    const exact = depth === problem.path.length;
    const target = exact && problem.at === 'key' && key ? key : node;
    const offset = target?.range?.[0] ?? key?.range?.[0] ?? 0;
    const { line, col } = source.lineCounter.linePos(offset);
    return { file: source.file, line, col, path, message: problem.message, offset };
  });
  located.sort((a, b) => a.offset - b.offset);
  return located.map(({ offset: _offset, ...rest }) => rest);
}

/** Throws a located ConfigError for these problems (if any). */
export function failWith(source: SourceDocument, problems: Problem[]): void {
  if (problems.length > 0) throw new ConfigError(locate(source, problems));
}
