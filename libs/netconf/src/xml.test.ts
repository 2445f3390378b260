import {
  MAX_XML_ATTRIBUTES,
  MAX_XML_DEPTH,
  MAX_XML_ELEMENTS,
  NetconfErrorCodes,
  XmlError,
  XmlLimitError,
  flatten,
  normalizeNotification,
  normalizeReply,
  parseXml,
  textOf,
  type XmlNode,
  type XmlValue,
} from './index';
import {
  CAPTURED_MESSAGES,
  CORRECTED_MESSAGES,
  EDGE_CASE_MESSAGES,
  MALFORMED_MESSAGES,
  corrupt,
  corruptedMessages,
  referenceParseXml,
  referenceValidates,
  seededRandom,
} from './testing';

const CORPUS = Object.entries({ ...CAPTURED_MESSAGES, ...EDGE_CASE_MESSAGES });

/** What the normalisers make of a parsed message, as the session hands it over; every leaf otherwise. */
function normalised(doc: XmlNode): string {
  const reply = doc['rpc-reply'];
  if (reply !== undefined && typeof reply === 'object' && !Array.isArray(reply) && reply.data !== undefined) {
    const data = reply.data;
    const tree = typeof data === 'object' && !Array.isArray(data) ? data : {};
    return JSON.stringify(
      normalizeReply({ messageId: '1', ok: true, data: tree, raw: Buffer.alloc(0) }, 'dev', 'sub', '1764201600000000000'),
    );
  }
  const notification = doc.notification;
  if (notification !== undefined && typeof notification === 'object' && !Array.isArray(notification)) {
    const event: XmlNode = {};
    for (const [key, value] of Object.entries(notification)) if (key !== 'eventTime' && !key.startsWith('@')) event[key] = value;
    return JSON.stringify(
      normalizeNotification({ eventTime: textOf(notification.eventTime) ?? '', event, raw: Buffer.alloc(0) }, 'dev', 'sub'),
    );
  }
  const leaves: Array<{ path: string; value: string | number }> = [];
  flatten(doc as XmlValue, '', leaves);
  return JSON.stringify(leaves);
}

function outcome(parse: () => XmlNode): { tree?: string; error?: unknown } {
  try {
    return { tree: JSON.stringify(parse()) };
  } catch (error) {
    return { error };
  }
}

describe('parseXml gives the tree the previous parser (fast-xml-parser) gave', () => {
  it.each(CORPUS)('%s: the same tree, keys in the same order', (_name, xml) => {
    const bytes = Buffer.from(xml);
    expect(JSON.stringify(parseXml(bytes))).toBe(JSON.stringify(referenceParseXml(bytes)));
  });

  it.each(CORPUS)('%s: byte-identical normalised output', (_name, xml) => {
    const bytes = Buffer.from(xml);
    expect(normalised(parseXml(bytes))).toBe(normalised(referenceParseXml(bytes)));
  });

  it('normalises the simulated notification and interfaces-state reply to the expected leaves', () => {
    const notification = normalised(parseXml(Buffer.from(CAPTURED_MESSAGES['sim-notification']!)));
    expect(JSON.parse(notification)).toMatchObject({ prefix: '/interface-statistics' });
    expect(notification).toContain('"path":"interface[name=eth8]/out-octets"');
    const reply = JSON.parse(normalised(parseXml(Buffer.from(CAPTURED_MESSAGES['netconfd-get-interfaces-state']!))));
    expect(reply.prefix).toBe('/interfaces-state');
    expect(reply.updates).toContainEqual({ path: 'interface[name=lo]/oper-status', value: 'unknown' });
  });

  it.each(CORRECTED_MESSAGES.map((c) => [c.name, c] as const))(
    '%s: where the previous parser was wrong, what XML 1.0 says',
    (_name, { xml, tree }) => {
      expect(parseXml(Buffer.from(xml))).toEqual(tree);
      expect(JSON.stringify(referenceParseXml(Buffer.from(xml)))).not.toBe(JSON.stringify(tree));
    },
  );

  it('reads a string as it reads its UTF-8 bytes', () => {
    for (const [, xml] of CORPUS) expect(parseXml(xml.replace(/^\uFEFF/, ''))).toEqual(parseXml(Buffer.from(xml)));
  });
});

describe('parseXml refuses what is not well-formed, or not allowed, with an XmlError', () => {
  it.each(MALFORMED_MESSAGES.map((m) => [JSON.stringify(m).slice(0, 80), m]))('%s', (_shown, xml) => {
    const error = outcome(() => parseXml(Buffer.from(xml))).error;
    expect(error).toBeInstanceOf(XmlError);
    expect((error as XmlError).code).toBe(NetconfErrorCodes.XML);
  });

  it('expands no entity: a DTD is refused before anything in it is read', () => {
    const laughs = `<!DOCTYPE l [<!ENTITY a "${'ha'.repeat(10)}">${Array.from({ length: 9 }, (_, k) => `<!ENTITY ${String.fromCharCode(98 + k)} "${`&${String.fromCharCode(97 + k)};`.repeat(10)}">`).join('')}]><l>&j;</l>`;
    expect(() => parseXml(laughs)).toThrow(/DOCTYPE/);
    // An entity reference is never looked up anywhere: only the five predefined ones decode, once.
    expect(parseXml('<a>&amp;lt;&amp;amp;</a>')).toEqual({ a: '&lt;&amp;' });
    expect(() => parseXml('<a>&ha;</a>')).toThrow(XmlError);
  });

  it.each([
    ['an invalid byte', [0x3c, 0x61, 0x3e, 0xff, 0x3c, 0x2f, 0x61, 0x3e]],
    ['an overlong encoding of "/"', [0x3c, 0x61, 0x3e, 0xc0, 0xaf, 0x3c, 0x2f, 0x61, 0x3e]],
    ['an encoded surrogate', [0x3c, 0x61, 0x3e, 0xed, 0xa0, 0x80, 0x3c, 0x2f, 0x61, 0x3e]],
    ['a cut multi-byte character', [0x3c, 0x61, 0x3e, 0xe6, 0x9d, 0x3c, 0x2f, 0x61, 0x3e]],
    ['UTF-16', [...Buffer.from('<a/>', 'utf16le')]],
  ])('refuses a message that is not UTF-8: %s', (_what, bytes) => {
    expect(() => parseXml(Buffer.from(bytes))).toThrow(XmlError);
  });

  it('refuses a string holding half a surrogate pair', () => {
    expect(() => parseXml('<a>\uD800</a>')).toThrow(/not UTF-8/);
    expect(parseXml('<a>\uD83D\uDE00</a>')).toEqual({ a: '😀' });
  });

  it('finds a repeated attribute among many', () => {
    const many = Array.from({ length: 40 }, (_, k) => `a${k}="${k}"`).join(' ');
    expect(Object.keys(parseXml(`<x ${many}/>`).x as XmlNode)).toHaveLength(40);
    expect(() => parseXml(`<x ${many} a17="again"/>`)).toThrow(/repeated/);
  });
});

describe('parseXml bounds what one message may hold', () => {
  const nested = (levels: number) => `${'<n>'.repeat(levels)}${'</n>'.repeat(levels)}`;

  it(`accepts ${MAX_XML_DEPTH} levels of nesting and refuses one more with an XmlLimitError`, () => {
    expect(() => parseXml(nested(MAX_XML_DEPTH))).not.toThrow();
    const error = outcome(() => parseXml(nested(MAX_XML_DEPTH + 1))).error;
    expect(error).toBeInstanceOf(XmlLimitError);
    expect((error as XmlLimitError).code).toBe(NetconfErrorCodes.XML_LIMIT);
  });

  it(`refuses more than ${MAX_XML_ELEMENTS} elements`, () => {
    expect(() => parseXml(`<a>${'<b/>'.repeat(MAX_XML_ELEMENTS)}</a>`)).toThrow(XmlLimitError);
  });

  it(`refuses more than ${MAX_XML_ATTRIBUTES} attributes`, () => {
    const half = MAX_XML_ATTRIBUTES / 2;
    expect(() => parseXml(`<a>${'<b c="" d=""/>'.repeat(half)}<b e=""/></a>`)).toThrow(/attributes/);
  });
});

describe('fuzz: corrupted messages', () => {
  it('give a tree or an XmlError, refuse whatever the previous validator refused, and otherwise agree with the previous parser', () => {
    let refused = 0;
    let stricter = 0;
    for (const xml of corruptedMessages(20_261_128, 3_000)) {
      const ours = outcome(() => parseXml(Buffer.from(xml)));
      if (ours.error !== undefined) {
        expect(ours.error instanceof XmlError || ours.error instanceof XmlLimitError).toBe(true);
        refused += 1;
        if (referenceValidates(xml)) stricter += 1;
        continue;
      }
      // What we accept is well-formed, so the previous validator accepted it too.
      expect({ xml, validates: referenceValidates(xml) }).toEqual({ xml, validates: true });
      // Same tree, except where the previous parser was wrong (character references, PIs: see CORRECTED_MESSAGES).
      if (!/&#|<\?(?!xml )/.test(xml)) expect({ xml, tree: ours.tree }).toEqual({ xml, tree: JSON.stringify(referenceParseXml(xml)) });
    }
    // Most corruptions break the XML; some the previous validator let through (text after the root, '<' in attribute values...).
    expect(refused).toBeGreaterThan(1_500);
    expect(stricter).toBeGreaterThan(0);
  });

  it('turns random bytes flipped anywhere into a tree or an XmlError, never another exception', () => {
    const rand = seededRandom(7_919);
    const corpus = CORPUS.map(([, xml]) => Buffer.from(xml));
    let refused = 0;
    for (let round = 0; round < 3_000; round += 1) {
      const bytes = Buffer.from(corpus[round % corpus.length]!);
      for (let flips = 1 + rand(3); flips > 0; flips -= 1) bytes[rand(bytes.length)] = rand(256);
      const { error } = outcome(() => parseXml(bytes));
      if (error !== undefined) {
        expect(error).toBeInstanceOf(XmlError);
        refused += 1;
      }
    }
    expect(refused).toBeGreaterThan(1_500);
  });

  it('corrupts reproducibly from a seed', () => {
    expect(corrupt('<a><b>text</b></a>', seededRandom(1))).toBe(corrupt('<a><b>text</b></a>', seededRandom(1)));
  });
});
