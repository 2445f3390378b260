import { XmlError } from './errors';
import { xmlParser } from './xml-parser';

export { MAX_XML_ATTRIBUTES, MAX_XML_DEPTH, MAX_XML_ELEMENTS } from './xml-parser';

export const NETCONF_BASE_NS = 'urn:ietf:params:xml:ns:netconf:base:1.0';
export const NOTIFICATION_NS = 'urn:ietf:params:xml:ns:netconf:notification:1.0';

export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[];

/** Elements that may repeat, read as arrays even when there is one. */
export const XML_LISTS: ReadonlySet<string> = new Set(['capability', 'rpc-error', 'interface', 'address', 'neighbor', 'entry', 'stream']);

const parseText = xmlParser(XML_LISTS);
const utf8 = new TextDecoder('utf-8', { fatal: true });
// A string handed to us may hold half a surrogate pair; UTF-8 decoding never yields one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Parses one NETCONF message (RFC 6241 §3: well-formed XML in UTF-8). Throws
 * XmlError for anything else (a DTD included: nothing is ever expanded) and
 * XmlLimitError past MAX_XML_DEPTH, MAX_XML_ELEMENTS or MAX_XML_ATTRIBUTES.
 */
export function parseXml(bytes: Buffer | string): XmlNode {
  let text: string;
  if (typeof bytes === 'string') {
    if (LONE_SURROGATE.test(bytes)) throw new XmlError('a message that is not UTF-8 (an unpaired surrogate)');
    text = bytes;
  } else {
    try {
      text = utf8.decode(bytes);
    } catch (cause) {
      throw new XmlError('a message that is not UTF-8', { cause });
    }
  }
  return parseText(text);
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
