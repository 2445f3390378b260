import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { XmlError } from '../errors';
import { XML_LISTS, type XmlNode } from '../xml';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => XML_LISTS.has(name),
});

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decode(bytes: Buffer | string): string {
  try {
    return typeof bytes === 'string' ? bytes : utf8.decode(bytes);
  } catch (cause) {
    throw new XmlError('a message that is not UTF-8', { cause });
  }
}

/**
 * The parser parseXml replaced, kept to compare against: fast-xml-parser's
 * validator, then its parser, with the options the lib used. Its tree is the
 * shape the normalisers were written for.
 */
export function referenceParseXml(bytes: Buffer | string): XmlNode {
  const text = decode(bytes);
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('a message with a DOCTYPE or ENTITY declaration (refused: no entity expansion)');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw new XmlError(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  return parser.parse(text) as XmlNode;
}

/** fast-xml-parser's parser alone, without its validator: what skipping the validation pass would give. */
export function unvalidatedParseXml(bytes: Buffer | string): XmlNode {
  const text = decode(bytes);
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('a message with a DOCTYPE or ENTITY declaration (refused: no entity expansion)');
  return parser.parse(text) as XmlNode;
}

/** fast-xml-parser's validator alone. */
export function referenceValidates(bytes: Buffer | string): boolean {
  return XMLValidator.validate(decode(bytes)) === true;
}
