import { flatten, parseXml, type XmlValue } from './index';
import { CAPTURED_MESSAGES, EDGE_CASE_MESSAGES } from './testing';

type Leaves = Array<{ path: string; value: string | number }>;

/** flatten as it was before it stopped allocating per node: the oracle for its output. */
function previousFlatten(node: XmlValue, path: string, out: Leaves): void {
  const LIST_KEYS: Record<string, string> = { interface: 'name', address: 'ip', neighbor: 'ip', stream: 'name' };
  const leafValue = (text: string): string | number => {
    if (/^-?\d{1,20}$/.test(text)) {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    return text;
  };
  const escapeKey = (value: string) => value.replace(/[\\\]]/g, (c) => `\\${c}`);
  if (typeof node === 'string') {
    out.push({ path, value: leafValue(node) });
    return;
  }
  if (Array.isArray(node)) {
    for (const item of node) previousFlatten(item, path, out);
    return;
  }
  for (const [name, child] of Object.entries(node)) {
    if (name.startsWith('@') || name === '#text') continue;
    const entries = Array.isArray(child) ? child : [child];
    for (const entry of entries) {
      const keyName = LIST_KEYS[name];
      const keyValue = keyName && typeof entry === 'object' && !Array.isArray(entry) ? entry[keyName] : undefined;
      const elem = typeof keyValue === 'string' ? `${name}[${keyName}=${escapeKey(keyValue)}]` : name;
      previousFlatten(entry, path ? `${path}/${elem}` : elem, out);
    }
  }
}

const flat = (f: typeof flatten, tree: XmlValue) => {
  const out: Leaves = [];
  f(tree, '', out);
  return JSON.stringify(out);
};

describe('flatten', () => {
  it.each(Object.entries({ ...CAPTURED_MESSAGES, ...EDGE_CASE_MESSAGES }))('%s: the same leaves as before', (_name, xml) => {
    const tree = parseXml(xml.replace(/^\uFEFF/, ''));
    expect(flat(flatten, tree)).toBe(flat(previousFlatten, tree));
  });

  it('keys lists, escapes keys, keeps 64-bit counters exact, skips attributes and mixed text', () => {
    const tree = parseXml(
      `<data xmlns="urn:x"><interface><name>a]b\\c</name><in>18446744073709551615</in><out>-12</out><x>007</x><y>-</y></interface><interface n="1"><name>e0</name>t</interface><address><ip>10.0.0.1</ip></address><address><ip>10.0.0.2</ip><prefix-length>24</prefix-length></address><isPrototypeOf><ip>1</ip></isPrototypeOf><leaf-list>1</leaf-list><leaf-list>x</leaf-list></data>`,
    );
    const leaves = flat(flatten, tree);
    expect(leaves).toBe(flat(previousFlatten, tree));
    expect(JSON.parse(leaves)).toEqual(
      expect.arrayContaining([
        { path: 'data/interface[name=a\\]b\\\\c]/in', value: '18446744073709551615' },
        { path: 'data/interface[name=a\\]b\\\\c]/out', value: -12 },
        { path: 'data/interface[name=a\\]b\\\\c]/x', value: 7 },
        { path: 'data/interface[name=a\\]b\\\\c]/y', value: '-' },
        { path: 'data/interface[name=e0]/name', value: 'e0' },
        { path: 'data/address[ip=10.0.0.2]/prefix-length', value: 24 },
        { path: 'data/isPrototypeOf/ip', value: 1 },
        { path: 'data/leaf-list', value: 'x' },
      ]),
    );
  });
});
