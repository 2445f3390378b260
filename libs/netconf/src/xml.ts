import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { XmlError } from './errors';

export const NETCONF_BASE_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
export const NOTIFICATION_NS = 'urn:ietf:params:xml:ns:netconf:notification:1.0';

export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

// Elements that may repeat, read as arrays even when there is one.
const LISTS = new Set(['capability', 'rpc-error', 'interface', 'address', 'neighbor', 'entry', 'stream']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // The five predefined entities and character references only: NETCONF has
  // no DTDs, and a DOCTYPE is refused before parsing (no entity expansion).
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => LISTS.has(name),
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Parses one NETCONF message (UTF-8 XML). Throws XmlError for anything else, DTDs included. */
export function parseXml(bytes: Buffer | string): XmlNode {
  let text: string;
  try {
    text = typeof bytes === 'string' ? bytes : utf8.decode(bytes);
  } catch (cause) {
    throw new XmlError('a message that is not UTF-8', { cause });
  }
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('a message with a DOCTYPE or ENTITY declaration (refused: no entity expansion)');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  return parser.parse(text) as XmlNode;
}

/** Text-escapes a value for an XML element body or attribute. */
export function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The text of a node that may be a string or `{ '#text': ... }`. */
export function textOf(value: XmlValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return textOf(value[0]);
  const t = value['#text'];
  return typeof t === 'string' ? t : undefined;
}
