// Guards on an experiment file before its data is used: size, encoding, nesting depth and YAML
// aliases. Each turns input that would exhaust memory or the stack, or that would be silently
// misread, into a located problem.
import { open, stat } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { CST, isAlias, isCollection, isMap, isPair, isScalar, isSeq, visit, type Document, type LineCounter, type Node } from 'yaml';
import { ConfigError, formatPath, type LocatedProblem } from '../util/errors.js';

/** An experiment file is a few kilobytes; one this large is not one (and would take seconds to parse). */
export const MAX_FILE_BYTES = 256 * 1024;
/** Lists and mappings nested deeper than this are refused (an experiment needs about 5). */
export const MAX_DEPTH = 100;
/** An anchor may be referenced this many times in all; bounds "billion laughs" expansion. */
export const MAX_ALIAS_COUNT = 100;

const size = (bytes: number): string => (bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`);

/** The file's text, refusing what is not a small regular UTF-8 file; problems name the file. */
export async function readExperimentText(file: string): Promise<string> {
  const fail = (message: string, where: { line?: number; col?: number } = {}): never => {
    throw new ConfigError([{ file, ...where, path: '', message }]);
  };
  let bytes: Buffer;
  try {
    // stat before open: opening a named pipe would wait for a writer, reading a device might never end.
    const info = await stat(file);
    if (info.isDirectory()) return fail('is a directory, not a YAML file');
    if (!info.isFile()) return fail('is not a regular file (a device, pipe or socket); give the path of a YAML file');
    const handle = await open(file, 'r');
    try {
      if (info.size > MAX_FILE_BYTES) {
        return fail(`is ${size(info.size)}; an experiment file may be at most ${size(MAX_FILE_BYTES)} (is this the right file?)`);
      }
      // Read at most one byte past the limit: the file may grow while it is read.
      const buffer = Buffer.alloc(Math.min(info.size, MAX_FILE_BYTES) + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > MAX_FILE_BYTES) return fail(`is over ${size(MAX_FILE_BYTES)}; an experiment file may be at most that (is this the right file?)`);
      bytes = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a YAML file' : code === 'EACCES' ? 'cannot be read (permission denied)' : (error as Error).message;
    return fail(why);
  }
  if (!isUtf8(bytes)) {
    const offset = firstInvalidUtf8(bytes);
    const line = bytes.subarray(0, offset).filter((b) => b === 0x0a).length + 1;
    const lineStart = bytes.lastIndexOf(0x0a, offset - 1) + 1;
    const col = [...bytes.subarray(lineStart, offset).toString('utf8')].length + 1;
    const utf16 = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
    const hint = utf16 ? 'it looks like UTF-16; save it as UTF-8' : 'save it as UTF-8';
    return fail(`is not UTF-8 text: byte 0x${bytes[offset].toString(16).padStart(2, '0')} cannot be decoded (${hint})`, { line, col });
  }
  return bytes.toString('utf8');
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    const second = bytes[i + 1];
    if ((b === 0xe0 && second < 0xa0) || (b === 0xed && second > 0x9f) || (b === 0xf0 && second < 0x90) || (b === 0xf4 && second > 0x8f)) return i;
    i += length;
  }
  return bytes.length;
}

/** A cheap bound on nesting, checked on the lexer's tokens before the parser sees them (see lexemesTooDeep). */
export const MAX_NESTING_BOUND = 2 * MAX_DEPTH + 50;

/**
 * Where an upper bound of the nesting, taken from the lexer's tokens, first exceeds MAX_NESTING_BOUND:
 * yaml's parser closes nested collections recursively (one level of recursion per level closed at
 * once) and its lexer and composer recurse too, so a deep enough file would exhaust the stack, which
 * V8 may turn into a fatal error. A block collection nests only by indentation or an indicator
 * (`- `, `? `, `: `) on its line, and a flow collection by a bracket, so their sum bounds the depth.
 * Iterative, as the lexer is. Returns the offset in the text.
 */
export function lexemesTooDeep(lexemes: readonly string[]): number | undefined {
  let offset = 0;
  let flow = 0;
  let block = 1;
  let atNewLine = true;
  let atScalar = false;
  for (const source of lexemes) {
    const type = atScalar ? 'scalar-text' : CST.tokenType(source);
    atScalar = false;
    // Markers the lexer inserts are not part of the text; the text after a scalar marker is the scalar.
    if (type === 'scalar') atScalar = true;
    else if (type === 'flow-error-end') flow = 0;
    if (type === 'scalar' || type === 'doc-mode' || type === 'flow-error-end') continue;
    if (type === 'newline') {
      if (flow === 0) block = 1;
      atNewLine = true;
    } else if (type === 'space') {
      if (atNewLine && flow === 0) block += source.length;
    } else if (type === 'comment') {
      atNewLine = false;
    } else {
      if (type === 'seq-item-ind' || type === 'explicit-key-ind' || type === 'map-value-ind') {
        if (flow === 0) block++;
      } else {
        atNewLine = false;
        if (type === 'flow-map-start' || type === 'flow-seq-start') flow++;
        else if (type === 'flow-map-end' || type === 'flow-seq-end') flow = Math.max(0, flow - 1);
      }
      // Checked at what can open a collection (not at blank or comment lines, however indented).
      if (block + flow > MAX_NESTING_BOUND) return offset;
    }
    offset += source.length;
  }
  return undefined;
}

/**
 * The first collection nested deeper than MAX_DEPTH in the parser's token tree (before the tree
 * becomes a document: composing recurses once per level, and a deep enough file exhausts the stack,
 * which V8 may then turn into a fatal error). Iterative: nothing here can exhaust the stack.
 */
export function tooDeepToken(tokens: readonly CST.Token[]): CST.Token | undefined {
  const stack: { token: CST.Token | null | undefined; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop()!;
    if (!token) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth });
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > MAX_DEPTH) return token;
      for (const item of token.items as CST.CollectionItem[]) stack.push({ token: item.key, depth: depth + 1 }, { token: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}

/** Whether plain data (after aliases are expanded) nests lists and mappings deeper than MAX_DEPTH; shared values are measured once. */
export function dataTooDeep(data: unknown): boolean {
  const height = new Map<object, number>();
  const stack: { value: object; expanded: boolean }[] = [];
  if (data !== null && typeof data === 'object') stack.push({ value: data, expanded: false });
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const children = Object.values(top.value).filter((v): v is object => v !== null && typeof v === 'object');
    if (!top.expanded) {
      top.expanded = true;
      for (const child of children) if (!height.has(child)) stack.push({ value: child, expanded: false });
      continue;
    }
    stack.pop();
    let h = 1;
    for (const child of children) h = Math.max(h, 1 + (height.get(child) ?? 0));
    if (h > MAX_DEPTH) return true;
    height.set(top.value, h);
  }
  return false;
}

/**
 * Problems of the parsed document that turning it into data would hit: a list or mapping used as a
 * key (stringified, with a warning), an alias with no anchor before it, an alias inside its own
 * anchor (a value that contains itself, which no later step could walk), a merge key (`<<`) whose
 * value is no mapping, and a number not written in decimal.
 */
export function documentProblems(doc: Document, lineCounter: LineCounter, file: string): LocatedProblem[] {
  const at = (node: { range?: [number, number, number] | null } | null | undefined, message: string, path = ''): LocatedProblem => {
    const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
    return { file, line, col, path, message };
  };
  const problems: LocatedProblem[] = [];
  const anchors = new Map<string, Node>();
  visit(doc, {
    Node(_, node) {
      if (node.anchor) anchors.set(node.anchor, node);
    },
    Pair(_, pair, path) {
      if (isCollection(pair.key)) problems.push(at(pair.key, 'a key must be a plain name, not a list or mapping'));
      if (isMergeKey(pair.key)) {
        const found = notMergeable(pair.value, anchors);
        if (found) {
          const message = `YAML merge key: << takes an anchored mapping (<<: *name) or a list of them (<<: [*a, *b]), not ${found}`;
          problems.push(at((pair.value as Node | null) ?? (pair.key as Node), message, formatPath(keyPath(path, pair))));
        }
      }
    },
    Scalar(_, scalar, path) {
      // (A Scalar visitor takes the place of Node for scalars.)
      if (scalar.anchor) anchors.set(scalar.anchor, scalar);
      // YAML 1.2 reads 0x10 as 16 and 0o17 as 15; in an experiment that is a typo far more often than intended.
      if (scalar.type === 'PLAIN' && (typeof scalar.value === 'number' || typeof scalar.value === 'bigint') && /^[-+]?0[xob]/i.test(scalar.source ?? '')) {
        problems.push(at(scalar, `write numbers in decimal (got ${String(scalar.source).slice(0, 40)})`, formatPath(keyPath(path, scalar))));
      }
    },
    Alias(_, alias, path) {
      const target = anchors.get(alias.source);
      if (!target) {
        problems.push(at(alias, `YAML alias *${alias.source} refers to no anchor: an anchor &${alias.source} must come before it`));
      } else if (path.includes(target)) {
        problems.push(at(alias, `YAML alias *${alias.source} is inside its own anchor &${alias.source}: the value would contain itself forever`));
      }
    },
  });
  return problems;
}

/** What a merge key's value holds that is not a mapping to merge (described), or undefined when all of it is. */
function notMergeable(value: unknown, anchors: Map<string, Node>, inList = false): string | undefined {
  if (isAlias(value)) {
    const target = anchors.get(value.source);
    // An alias without its anchor is reported as such.
    return target === undefined || isMap(target) ? undefined : `*${value.source} (${isSeq(target) ? 'a list' : 'a single value'})`;
  }
  if (isMap(value)) return undefined;
  if (isSeq(value)) {
    if (inList) return 'a list inside the list';
    for (const item of value.items) {
      const found = notMergeable(item, anchors, true);
      if (found) return found;
    }
    return undefined;
  }
  return isScalar(value) && value.value !== null ? `'${String(value.source ?? value.value).slice(0, 40)}'` : 'nothing';
}

/** With merge keys on, yaml reads a plain `<<` key as a symbol. */
export const isMergeKey = (key: unknown): boolean => isScalar(key) && typeof key.value === 'symbol';

/**
 * The key path of a node from the visitor's ancestors. A node used as a key belongs to its mapping,
 * and what a merge key (`<<`) brings in belongs to the mapping it is merged into.
 */
function keyPath(ancestors: readonly unknown[], node: unknown): (string | number)[] {
  const path: (string | number)[] = [];
  const chain = [...ancestors, node];
  let merged = false;
  for (let i = 0; i < chain.length - 1; i++) {
    const [step, next] = [chain[i], chain[i + 1]];
    if (isPair(step)) {
      merged = isMergeKey(step.key);
      if (step.key !== next && !merged) path.push(isScalar(step.key) ? String(step.key.value) : '?');
    } else {
      if (isSeq(step) && !merged) path.push(step.items.indexOf(next as never));
      merged = false;
    }
  }
  return path;
}

/** The document as plain data, with aliases bounded ("billion laughs"); expects documentProblems() to have passed. */
export function toData(doc: Document, lineCounter: LineCounter, file: string): unknown {
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const first = firstAlias(doc);
    const { line, col } = lineCounter.linePos(first?.range?.[0] ?? 0);
    const why = (error as Error).message.split('\n')[0];
    throw new ConfigError([
      {
        file,
        line,
        col,
        path: '',
        message: /alias count/i.test(why)
          ? `YAML aliases expand too far: the anchors are referenced more than ${MAX_ALIAS_COUNT} times in all once expanded (a "billion laughs" document?); write the values out`
          : `YAML aliases cannot be expanded: ${why}`,
      },
    ]);
  }
  if (dataTooDeep(data)) {
    const { line, col } = lineCounter.linePos(firstAlias(doc)?.range?.[0] ?? 0);
    throw new ConfigError([{ file, line, col, path: '', message: `YAML aliases nest lists and mappings more than ${MAX_DEPTH} deep once expanded; an experiment needs only a few levels` }]);
  }
  return data;
}

function firstAlias(doc: Document): Node | undefined {
  let found: Node | undefined;
  visit(doc, {
    Alias(_, alias) {
      found = alias;
      return visit.BREAK;
    },
  });
  return found;
}
