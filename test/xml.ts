// A small XML well-formedness check for the SVG tests: one root element, every tag closed in order,
// names and attributes well formed, attribute values quoted without a raw '<', no attribute twice,
// only the five predefined entities or character references, no stray '<' or '&' in text. It is
// not a validating parser (no DTDs, which vega's SVGs never have); it is what XML viewers insist on.

const NAME = /^[A-Za-z_:][\w.:-]*$/;
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function checkText(text: string, where: string): void {
  if (text.replace(ENTITY, '').includes('&')) throw new Error(`${where}: '&' that is not an entity`);
}

/** Throws an Error saying what is wrong; returns the root element's name. */
export function checkXml(xml: string): string {
  let rest = xml.replace(/^\uFEFF/, '');
  const decl = /^<\?xml[^?]*\?>\s*/.exec(rest);
  if (decl) rest = rest.slice(decl[0].length);
  const stack: string[] = [];
  let root: string | undefined;
  let pos = 0;
  while (pos < rest.length) {
    const lt = rest.indexOf('<', pos);
    const text = rest.slice(pos, lt === -1 ? rest.length : lt);
    if (stack.length === 0 && text.trim()) throw new Error(`text outside the root element: '${text.trim().slice(0, 40)}'`);
    checkText(text, `text at ${pos}`);
    if (lt === -1) break;
    if (rest.startsWith('<!--', lt)) {
      const end = rest.indexOf('-->', lt + 4);
      if (end === -1) throw new Error(`unclosed comment at ${lt}`);
      pos = end + 3;
      continue;
    }
    if (rest.startsWith('<![CDATA[', lt)) {
      const end = rest.indexOf(']]>', lt);
      if (end === -1) throw new Error(`unclosed CDATA at ${lt}`);
      pos = end + 3;
      continue;
    }
    const tag = /^<(\/?)([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(rest.slice(lt));
    if (!tag) throw new Error(`malformed tag at ${lt}: '${rest.slice(lt, lt + 60)}'`);
    const [whole, closing, name, attrs, selfClosing] = tag;
    if (!NAME.test(name)) throw new Error(`bad element name '${name}'`);
    if (closing) {
      if (attrs.trim() || selfClosing) throw new Error(`closing tag </${name}> with attributes`);
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open ?? 'nothing'}>`);
    } else {
      if (stack.length === 0 && root !== undefined) throw new Error(`a second root element <${name}>`);
      root ??= name;
      const seen = new Set<string>();
      for (const [, attr, double, single] of attrs.matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        const value = double ?? single;
        if (!NAME.test(attr)) throw new Error(`bad attribute name '${attr}' on <${name}>`);
        if (seen.has(attr)) throw new Error(`attribute '${attr}' twice on <${name}>`);
        seen.add(attr);
        if ((value ?? '').includes('<')) throw new Error(`'<' in the value of ${attr} on <${name}>`);
        checkText(value ?? '', `attribute ${attr} on <${name}>`);
      }
      if (!selfClosing) stack.push(name);
    }
    pos = lt + whole.length;
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  if (root === undefined) throw new Error('no root element');
  return root;
}
