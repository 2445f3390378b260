import { XmlError, XmlLimitError } from './errors';
import type { XmlNode, XmlValue } from './xml';

/** Deepest element nesting accepted in one message, in levels (the normalisers recurse once per level). */
export const MAX_XML_DEPTH = 128;
/** Elements accepted in one message (each becomes a JS object or string). */
export const MAX_XML_ELEMENTS = 1_000_000;
/** Attributes accepted in one message, namespace declarations included. */
export const MAX_XML_ATTRIBUTES = 1_000_000;

// Above this many attributes on one element, duplicates are found with a Set rather than a scan.
const ATTRIBUTES_SCANNED = 8;
// How much of a name an error message quotes, in characters.
const QUOTED_NAME_CHARS = 64;
// Names remembered per parser (a power of two), and the longest remembered, in characters.
const NAME_CACHE_SLOTS = 1_024;
const NAME_CACHE_MAX_CHARS = 64;

const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const COLON = 0x3a;
const HASH = 0x23;
const LOWER_X = 0x78;

// XML 1.0 §2.3 [3]: S ::= (#x20 | #x9 | #xD | #xA)+ (line ends are normalised to #xA first).
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

// XML 1.0 §2.3 [4] and [4a], the ASCII part by table: 1 = may start a name, 2 = may only follow.
// ':' is left out: a QName (Namespaces in XML 1.0 §4) has at most one, checked apart.
const NAME_ASCII = new Uint8Array(128);
for (let c = 0x41; c <= 0x5a; c += 1) NAME_ASCII[c] = 1;
for (let c = 0x61; c <= 0x7a; c += 1) NAME_ASCII[c] = 1;
NAME_ASCII[0x5f] = 1; // _
for (let c = 0x30; c <= 0x39; c += 1) NAME_ASCII[c] = 2;
NAME_ASCII[0x2d] = 2; // -
NAME_ASCII[0x2e] = 2; // .

// XML 1.0 §2.3 [4] and [4a] in full, for names with a character beyond ASCII.
const NAME_START_CLASS =
  'A-Z_a-z\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD\\u{10000}-\\u{EFFFF}';
const NCNAME = new RegExp(`^[${NAME_START_CLASS}][${NAME_START_CLASS}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*$`, 'u');

// XML 1.0 §2.2 [2]: characters outside Char (controls other than tab, LF and CR; U+FFFE, U+FFFF).
const ILLEGAL_CHAR = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

// XML 1.0 §2.8 [23]-[32]: the XML declaration, only at the very start of the document.
const XML_DECLARATION =
  /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(?:"(1\.[0-9]+)"|'(1\.[0-9]+)')(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(?:"([A-Za-z][A-Za-z0-9._-]*)"|'([A-Za-z][A-Za-z0-9._-]*)'))?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(?:"(yes|no)"|'(yes|no)'))?[ \t\n]*\?>/y;

// Names that would reach Object.prototype (refused) or shadow its methods (renamed with `__`, as fast-xml-parser did).
const PROTOTYPE_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
const METHOD_NAMES = new Set([
  'hasOwnProperty',
  'toString',
  'valueOf',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

/** Whether `text` holds `part` at `at` (V8 compares a slice faster than startsWith with a position or a loop). */
function holds(text: string, at: number, part: string): boolean {
  return text.slice(at, at + part.length) === part;
}

/**
 * A copy of `s` that shares no memory with the message it was sliced from
 * (V8 may keep a slice as a view of the whole message), so that remembered
 * names do not keep old messages alive: property keys are interned copies.
 */
const unshared = (s: string): string => Object.keys({ [s]: 0 })[0]!;

const quoted = (name: string) => JSON.stringify(name.length > QUOTED_NAME_CHARS ? `${name.slice(0, QUOTED_NAME_CHARS)}…` : name);

/** A name as written, and what it becomes in the tree. */
interface Name {
  qname: string;
  /** An element's key in its parent (local name), or an attribute's (`@` + local name). */
  key: string;
  /** An element always read as an array; an attribute that declares a namespace (not kept). */
  flag: boolean;
}

/** Names already resolved, by a hash of their characters: each distinct name is sliced and checked once. */
type NameCache = Array<Name | undefined>;

/** One open element while its content is read. */
interface Open {
  /** The name as written (prefix included, for the end tag) and its key. */
  name: Name;
  children: XmlNode | undefined;
  text: string | undefined;
  /** `@name`, value, `@name`, value, ... (namespace declarations left out). */
  attributes: string[] | undefined;
}

/**
 * The five predefined entities and character references, nothing else: NETCONF
 * has no DTD, so any other entity is undeclared (XML 1.0 §4.1 WFC: Entity
 * Declared), and nothing is ever expanded recursively.
 */
function decodeReferences(raw: string, at: number): string {
  let out = '';
  let from = 0;
  for (let amp = raw.indexOf('&'); amp !== -1; amp = raw.indexOf('&', from)) {
    const semi = raw.indexOf(';', amp + 1);
    if (semi === -1) throw new XmlError(`not well-formed XML: an '&' that starts no reference (near offset ${at})`);
    let replacement: string;
    if (raw.charCodeAt(amp + 1) === HASH) {
      // §4.1 [66]: &#digits; or &#xhex; naming a Char (§2.2).
      const hex = raw.charCodeAt(amp + 2) === LOWER_X;
      const digits = raw.slice(amp + (hex ? 3 : 2), semi);
      if (!(hex ? /^[0-9A-Fa-f]{1,8}$/ : /^[0-9]{1,10}$/).test(digits)) {
        throw new XmlError(`not well-formed XML: a malformed character reference (near offset ${at})`);
      }
      const code = Number.parseInt(digits, hex ? 16 : 10);
      const legal =
        code === 0x9 ||
        code === 0xa ||
        code === 0xd ||
        (code >= 0x20 && code <= 0xd7ff) ||
        (code >= 0xe000 && code <= 0xfffd) ||
        (code >= 0x10000 && code <= 0x10ffff);
      if (!legal) throw new XmlError(`not well-formed XML: a character reference to a character XML does not allow (near offset ${at})`);
      replacement = String.fromCodePoint(code);
    } else {
      switch (raw.slice(amp + 1, semi)) {
        case 'lt':
          replacement = '<';
          break;
        case 'gt':
          replacement = '>';
          break;
        case 'amp':
          replacement = '&';
          break;
        case 'quot':
          replacement = '"';
          break;
        case 'apos':
          replacement = "'";
          break;
        default:
          throw new XmlError(
            `not well-formed XML: an entity other than the five predefined ones (no DTD, so none is declared; near offset ${at})`,
          );
      }
    }
    out += raw.slice(from, amp) + replacement;
    from = semi + 1;
  }
  return out + raw.slice(from);
}

const localName = (qname: string): string => {
  const colon = qname.indexOf(':');
  return colon === -1 ? qname : qname.slice(colon + 1);
};

function fail(what: string, at: number): never {
  throw new XmlError(`not well-formed XML: ${what} (offset ${at})`);
}

/** One document being read: the position, the open elements, the counts against the limits. */
class Reader {
  private readonly length: number;
  // The hash of the characters of the name nameEnd read last.
  private nameHash = 0;
  // ']]>' may end a CDATA section only (§2.4): when the document has none at all, text needs no check.
  private readonly mayHaveCdataEnd: boolean;
  readonly document: XmlNode = {};
  private readonly stack: Open[] = [];
  private open: Open | undefined = undefined;
  private rootSeen = false;
  private elements = 0;
  private attributes = 0;
  // Text of the open element not yet stored: comments and PIs do not end it.
  private pending = '';

  constructor(
    private readonly text: string,
    private readonly lists: ReadonlySet<string>,
    private readonly elementNames: NameCache,
    private readonly attributeNames: NameCache,
  ) {
    this.length = text.length;
    this.mayHaveCdataEnd = text.indexOf(']]>') !== -1;
  }

  read(): XmlNode {
    const text = this.text;
    const length = this.length;
    let i = 0;
    if (text.charCodeAt(0) === 0xfeff) i = 1; // a byte order mark (§4.3.3) a caller decoded without stripping
    if (text.startsWith('<?xml', i) && isSpace(text.charCodeAt(i + 5))) i = this.declaration(i);
    while (i < length) {
      const lt = text.indexOf('<', i);
      const end = lt === -1 ? length : lt;
      if (end > i) {
        if (this.open !== undefined) this.pending += text.slice(i, end);
        else {
          // §2.1 [1], §2.8 [27]: outside the root element only white space, comments and PIs.
          for (let p = i; p < end; p += 1)
            if (!isSpace(text.charCodeAt(p))) fail(this.rootSeen ? 'text after the root element' : 'text before the root element', p);
        }
      }
      if (lt === -1) break;
      const c = text.charCodeAt(lt + 1);
      if (c === SLASH) i = this.endTag(lt);
      else if (c === BANG) i = this.markup(lt);
      else if (c === QUESTION) i = this.processingInstruction(lt);
      else i = this.startTag(lt);
    }
    if (this.open !== undefined) fail(`<${quoted(this.open.name.qname)}> is never closed`, length);
    if (!this.rootSeen) fail('no root element', length);
    return this.document;
  }

  /** §2.8 [23]: the XML declaration, kept as `?xml`. */
  private declaration(at: number): number {
    XML_DECLARATION.lastIndex = at;
    const m = XML_DECLARATION.exec(this.text);
    if (!m) fail('a malformed XML declaration', at);
    const declaration: XmlNode = { '@version': m[1] ?? m[2]! };
    const encoding = m[3] ?? m[4];
    // RFC 6241 §3: NETCONF messages are UTF-8; a message that says otherwise is not one.
    if (encoding !== undefined && encoding.toUpperCase() !== 'UTF-8')
      throw new XmlError(`a message declared as ${quoted(encoding)}, not UTF-8 (RFC 6241 §3)`);
    if (encoding !== undefined) declaration['@encoding'] = encoding;
    const standalone = m[5] ?? m[6];
    if (standalone !== undefined) declaration['@standalone'] = standalone;
    this.document['?xml'] = declaration;
    return XML_DECLARATION.lastIndex;
  }

  /** Reads a QName at `at` (§2.3 [5] Name, Namespaces in XML 1.0 §4 QName); returns where it ends. */
  private nameEnd(at: number): number {
    const text = this.text;
    const length = this.length;
    let p = at;
    let colon = -1;
    let wide = false;
    let hash = 0;
    for (; p < length; p += 1) {
      const c = text.charCodeAt(p);
      if (c >= 128) wide = true;
      else if (NAME_ASCII[c] === 0) {
        if (c !== COLON) break;
        if (colon !== -1) fail('a name with more than one colon', at);
        colon = p;
      }
      hash = (hash * 31 + c) | 0;
    }
    if (p === at) fail('a name expected', at);
    if (colon === at || colon === p - 1) fail('a name with an empty prefix or local part', at);
    if (wide) {
      for (const part of text.slice(at, p).split(':')) if (!NCNAME.test(part)) fail(`${quoted(text.slice(at, p))} is not an XML name`, at);
    } else if (NAME_ASCII[text.charCodeAt(at)] !== 1 || (colon !== -1 && NAME_ASCII[text.charCodeAt(colon + 1)] !== 1)) {
      fail(`${quoted(text.slice(at, p))} is not an XML name`, at);
    }
    this.nameHash = hash;
    return p;
  }

  /** The name from `at` to `end` (just read by nameEnd), from the cache when it was seen before. */
  private name(cache: NameCache, at: number, end: number, element: boolean): Name {
    const slot = this.nameHash & (NAME_CACHE_SLOTS - 1);
    const known = cache[slot];
    if (known !== undefined && known.qname.length === end - at && holds(this.text, at, known.qname)) return known;
    const qname = unshared(this.text.slice(at, end));
    let name: Name;
    if (element) {
      let key = localName(qname);
      if (PROTOTYPE_NAMES.has(key)) throw new XmlError(`an element named ${quoted(key)} (refused: it would reach Object.prototype)`);
      if (METHOD_NAMES.has(key)) key = `__${key}`;
      name = { qname, key, flag: this.lists.has(key) };
    } else {
      // Namespace declarations (Namespaces in XML 1.0 §3) are flagged: they are not kept.
      name = { qname, key: `@${localName(qname)}`, flag: qname === 'xmlns' || qname.startsWith('xmlns:') };
    }
    if (end - at <= NAME_CACHE_MAX_CHARS) cache[slot] = name;
    return name;
  }

  /** Stores the pending text of the open element: trimmed, references decoded, joined to what it has. */
  private flush(at: number): void {
    const raw = this.pending;
    if (raw.length === 0) return;
    this.pending = '';
    if (this.mayHaveCdataEnd && raw.indexOf(']]>') !== -1) fail("']]>' in text", at);
    let piece = raw.trim();
    if (piece.length === 0) return;
    if (piece.indexOf('&') !== -1) piece = decodeReferences(piece, at);
    const open = this.open!;
    open.text = open.text === undefined ? piece : open.text + piece;
  }

  private add(parent: XmlNode, name: string, list: boolean, value: XmlValue): void {
    const existing = parent[name];
    if (existing !== undefined && Object.hasOwn(parent, name)) {
      if (Array.isArray(existing)) existing.push(value);
      else parent[name] = [existing, value];
    } else {
      parent[name] = list ? [value] : value;
    }
  }

  private close(element: Open): void {
    let value: XmlValue;
    if (element.attributes !== undefined) {
      const node = element.children ?? {};
      if (element.text) node['#text'] = element.text;
      const attributes = element.attributes;
      for (let a = 0; a < attributes.length; a += 2) node[attributes[a]!] = attributes[a + 1]!;
      value = node;
    } else if (element.children !== undefined) {
      if (element.text) element.children['#text'] = element.text;
      value = element.children;
    } else {
      value = element.text ?? '';
    }
    this.stack.pop();
    const parent = this.stack[this.stack.length - 1];
    this.open = parent;
    if (parent === undefined) {
      this.rootSeen = true;
      this.add(this.document, element.name.key, element.name.flag, value);
    } else {
      this.add((parent.children ??= {}), element.name.key, element.name.flag, value);
    }
  }

  /** §3.1 [42] ETag, WFC: Element Type Match. */
  private endTag(lt: number): number {
    const open = this.open;
    if (open === undefined) return fail('an end tag with no element open', lt);
    this.flush(lt);
    const text = this.text;
    const qname = open.name.qname;
    let p = lt + 2;
    if (!holds(text, p, qname)) fail(`an end tag that does not close <${quoted(qname)}>`, lt);
    p += qname.length;
    while (isSpace(text.charCodeAt(p))) p += 1;
    if (text.charCodeAt(p) !== GT) fail(`an end tag that does not close <${quoted(qname)}>`, lt);
    this.close(open);
    return p + 1;
  }

  /** `<!`: a comment, a CDATA section, or a refused DOCTYPE. */
  private markup(lt: number): number {
    const text = this.text;
    if (text.startsWith('<!--', lt)) {
      // §2.5 [15]: '--' may not occur inside a comment.
      const end = text.indexOf('-->', lt + 4);
      if (end === -1) fail('an unterminated comment', lt);
      if (text.indexOf('--', lt + 4) !== end) fail("'--' inside a comment", lt);
      return end + 3;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      // §2.7: CDATA only in content, its text taken as it is.
      const open = this.open;
      if (open === undefined) return fail('a CDATA section outside the root element', lt);
      const end = text.indexOf(']]>', lt + 9);
      if (end === -1) fail('an unterminated CDATA section', lt);
      this.flush(lt);
      open.text = (open.text ?? '') + text.slice(lt + 9, end);
      return end + 3;
    }
    // §2.8 [28]: a DOCTYPE could declare entities; NETCONF has no DTD, so none is read or expanded.
    if (text.startsWith('<!DOCTYPE', lt)) throw new XmlError('a message with a DOCTYPE declaration (refused: no DTD, no entity expansion)');
    return fail("'<!' that starts no comment or CDATA section", lt);
  }

  /** §2.6 [16]: a PI, skipped; its target may not be 'xml' in any case (the declaration comes first or not at all, §2.8). */
  private processingInstruction(lt: number): number {
    const text = this.text;
    const targetEnd = this.nameEnd(lt + 2);
    const target = text.slice(lt + 2, targetEnd);
    if (target.toLowerCase() === 'xml') fail('an XML declaration that is not at the start', lt);
    if (target.indexOf(':') !== -1) fail('a processing instruction target with a colon', lt);
    const end = text.indexOf('?>', targetEnd);
    if (end === -1) fail('an unterminated processing instruction', lt);
    if (end !== targetEnd && !isSpace(text.charCodeAt(targetEnd))) fail('a processing instruction target not followed by white space', lt);
    return end + 2;
  }

  /** §3.1 [40] STag, [44] EmptyElemTag. */
  private startTag(lt: number): number {
    const text = this.text;
    if (this.rootSeen) fail('a second root element', lt);
    this.flush(lt);
    const qnameEnd = this.nameEnd(lt + 1);
    const name = this.name(this.elementNames, lt + 1, qnameEnd, true);
    const qname = name.qname;
    this.elements += 1;
    if (this.elements > MAX_XML_ELEMENTS) throw new XmlLimitError(`a message with more than ${MAX_XML_ELEMENTS} elements`);
    if (this.stack.length >= MAX_XML_DEPTH) throw new XmlLimitError(`a message nested deeper than ${MAX_XML_DEPTH} elements`);
    const element: Open = { name, children: undefined, text: undefined, attributes: undefined };
    let p = qnameEnd;
    let selfClosing = false;
    let names: string[] | undefined;
    let seen: Set<string> | undefined;
    for (;;) {
      const before = p;
      while (isSpace(text.charCodeAt(p))) p += 1;
      const c = text.charCodeAt(p);
      if (c === GT) {
        p += 1;
        break;
      }
      if (c === SLASH) {
        if (text.charCodeAt(p + 1) !== GT) fail(`'/' not followed by '>' in <${quoted(qname)}>`, p);
        p += 2;
        selfClosing = true;
        break;
      }
      if (p >= this.length) fail(`an unterminated start tag <${quoted(qname)}>`, lt);
      // §3.1 [40]: each attribute follows white space.
      if (p === before) fail(`no white space before an attribute of <${quoted(qname)}>`, p);
      const attrEnd = this.nameEnd(p);
      const attribute = this.name(this.attributeNames, p, attrEnd, false);
      const attr = attribute.qname;
      p = attrEnd;
      while (isSpace(text.charCodeAt(p))) p += 1;
      if (text.charCodeAt(p) !== EQUALS) fail(`attribute ${quoted(attr)} without a value`, p);
      p += 1;
      while (isSpace(text.charCodeAt(p))) p += 1;
      const quote = text.charCodeAt(p);
      if (quote !== QUOTE && quote !== APOSTROPHE) fail(`attribute ${quoted(attr)} with an unquoted value`, p);
      const valueEnd = text.indexOf(quote === QUOTE ? '"' : "'", p + 1);
      if (valueEnd === -1) fail(`attribute ${quoted(attr)} with an unterminated value`, p);
      let value = text.slice(p + 1, valueEnd);
      // §3.1 WFC: No < in Attribute Values; '&' only in a reference (§2.3 [10] AttValue).
      if (value.indexOf('<') !== -1) fail(`'<' in the value of attribute ${quoted(attr)}`, p);
      p = valueEnd + 1;
      this.attributes += 1;
      if (this.attributes > MAX_XML_ATTRIBUTES) throw new XmlLimitError(`a message with more than ${MAX_XML_ATTRIBUTES} attributes`);
      // §3.1 WFC: Unique Att Spec.
      if (seen !== undefined) {
        if (seen.has(attr)) fail(`attribute ${quoted(attr)} repeated`, p);
        seen.add(attr);
      } else {
        names ??= [];
        for (const other of names) if (other === attr) fail(`attribute ${quoted(attr)} repeated`, p);
        names.push(attr);
        if (names.length > ATTRIBUTES_SCANNED) seen = new Set(names);
      }
      value = value.trim();
      if (value.indexOf('&') !== -1) value = decodeReferences(value, p);
      // Namespace declarations are not kept (names lose their prefixes; nothing reads the URIs).
      if (attribute.flag) continue;
      (element.attributes ??= []).push(attribute.key, value);
    }
    this.stack.push(element);
    this.open = element;
    if (selfClosing) this.close(element);
    return p;
  }
}

/**
 * A strict, non-validating parser for the XML that NETCONF carries (RFC 6241
 * §3: well-formed XML 1.0 in UTF-8, here already decoded): elements,
 * attributes, namespace prefixes (dropped from names, declarations left out),
 * text, CDATA; comments and processing instructions skipped; the five
 * predefined entities and character references; no DTD. It enforces the
 * well-formedness rules (matching end tags, one root, unique attributes,
 * quoted attribute values without '<', no stray '&', no ']]>' in text, only
 * XML characters) and refuses anything else with an XmlError.
 *
 * The tree has the shape fast-xml-parser gave (so normalised output did not
 * change): an element with only text is its trimmed text, an empty one '',
 * otherwise an object of its children (a name seen twice, or listed in
 * `lists`, becomes an array), then `#text` (the trimmed text pieces joined),
 * then `@`-prefixed attributes (values trimmed); the XML declaration is kept
 * as `?xml` with its pseudo-attributes.
 *
 * Each parser remembers the names it has read (a fixed number), so a name
 * that comes again is neither sliced nor checked again.
 */
export function xmlParser(lists: ReadonlySet<string>): (text: string) => XmlNode {
  const elementNames: NameCache = new Array<Name | undefined>(NAME_CACHE_SLOTS).fill(undefined);
  const attributeNames: NameCache = new Array<Name | undefined>(NAME_CACHE_SLOTS).fill(undefined);
  return (input) => {
    // XML 1.0 §2.11: CR LF and a lone CR are read as LF.
    const text = input.indexOf('\r') === -1 ? input : input.replace(/\r\n?/g, '\n');
    const illegal = ILLEGAL_CHAR.exec(text);
    if (illegal)
      fail(`character U+${illegal[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, illegal.index);
    return new Reader(text, lists, elementNames, attributeNames).read();
  };
}
