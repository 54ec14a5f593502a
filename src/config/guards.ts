// Guards on an experiment file before its data is used: size, encoding, nesting depth and YAML
// aliases. Each turns input that would exhaust memory or the stack, or that would be silently
// misread, into a located problem.
import { open } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { isCollection, isPair, visit, type Document, type LineCounter, type Node } from 'yaml';
import { ConfigError, type LocatedProblem } from './errors.js';

/** An experiment file is a few hundred bytes; anything near this is not one. */
export const MAX_FILE_BYTES = 1024 * 1024;
/** Lists and mappings nested deeper than this are refused (an experiment needs about 5). */
export const MAX_DEPTH = 100;
/** An anchor may be referenced this many times in all; bounds "billion laughs" expansion. */
export const MAX_ALIAS_COUNT = 100;

const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/** The file's text, refusing what is not a small regular UTF-8 file; problems name the file. */
export async function readExperimentText(file: string): Promise<string> {
  const fail = (message: string, where: { line?: number; col?: number } = {}): never => {
    throw new ConfigError([{ file, ...where, path: '', message }]);
  };
  let bytes: Buffer;
  try {
    const handle = await open(file, 'r');
    try {
      const info = await handle.stat();
      if (info.isDirectory()) return fail('is a directory, not a YAML file');
      if (!info.isFile()) return fail('is not a regular file (a device, pipe or socket); give the path of a YAML file');
      if (info.size > MAX_FILE_BYTES) {
        return fail(`is ${mb(info.size)}; an experiment file may be at most ${mb(MAX_FILE_BYTES)} (is this the right file?)`);
      }
      // Read at most one byte past the limit: the file may grow while it is read.
      const buffer = Buffer.alloc(Math.min(info.size, MAX_FILE_BYTES) + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > MAX_FILE_BYTES) return fail(`is over ${mb(MAX_FILE_BYTES)}; an experiment file may be at most that (is this the right file?)`);
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

/** Deepest nesting of lists and mappings, stopping at the first node past MAX_DEPTH (iterative: no stack to exhaust). */
function tooDeep(doc: Document): Node | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (!isCollection(node)) continue;
    if (depth + 1 > MAX_DEPTH) return node;
    for (const item of node.items as unknown[]) {
      if (isPair(item)) {
        stack.push({ node: item.key, depth: depth + 1 }, { node: item.value, depth: depth + 1 });
      } else stack.push({ node: item, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Problems of the parsed document that turning it into data would hit: nesting past MAX_DEPTH, a
 * list or mapping used as a key, an alias with no anchor before it, an alias inside its own anchor
 * (a value that contains itself), and aliases that expand too far.
 */
export function documentProblems(doc: Document, lineCounter: LineCounter, file: string): LocatedProblem[] {
  const at = (node: { range?: [number, number, number] | null } | null | undefined, message: string): LocatedProblem => {
    const { line, col } = lineCounter.linePos(node?.range?.[0] ?? 0);
    return { file, line, col, path: '', message };
  };
  const deep = tooDeep(doc);
  if (deep) return [at(deep, `lists and mappings are nested more than ${MAX_DEPTH} deep here; an experiment needs only a few levels`)];
  const problems: LocatedProblem[] = [];
  const anchors = new Map<string, Node>();
  visit(doc, {
    Node(_, node) {
      if (node.anchor) anchors.set(node.anchor, node);
    },
    Pair(_, pair) {
      if (isCollection(pair.key)) problems.push(at(pair.key, 'a key must be a plain name, not a list or mapping'));
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

/** The document as plain data, with aliases bounded ("billion laughs"); expects documentProblems() to have passed. */
export function toData(doc: Document, lineCounter: LineCounter, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
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
