import { SaxesParser } from 'saxes';
import { XmlError, parseXml, type XmlNode, type XmlValue } from '@switch-telemetry/netconf';
import {
  CAPTURED_MESSAGES,
  MALFORMED_MESSAGES,
  corruptedMessages,
  referenceParseXml,
  referenceValidates,
  unvalidatedParseXml,
} from '@switch-telemetry/netconf/testing';
import { round } from './measure';

const PARSES = Number(process.env.BENCH_PARSES ?? 2_000);
const ROUNDS = 3;
const CORRUPTIONS = 3_000;
const FUZZ_SEED = 20_261_128;

// The elements the lib reads as arrays even when there is one (as parseXml does).
const LISTS = new Set(['capability', 'rpc-error', 'interface', 'address', 'neighbor', 'entry', 'stream']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The tree parseXml gives, built from saxes events (XML 1.0 conformant, well-formedness checked, no DTD processing). */
function saxesParseXml(bytes: Buffer): XmlNode {
  const text = utf8.decode(bytes);
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlError('a message with a DOCTYPE or ENTITY declaration');
  const document: XmlNode = {};
  const stack: Array<{ name: string; children?: XmlNode; text?: string; attributes?: string[] }> = [];
  let pending = '';
  const local = (qname: string) => qname.slice(qname.indexOf(':') + 1);
  const flush = () => {
    const piece = pending.trim();
    pending = '';
    if (piece) stack[stack.length - 1]!.text = (stack[stack.length - 1]!.text ?? '') + piece;
  };
  const parser = new SaxesParser();
  parser.on('xmldecl', (decl) => {
    const d: XmlNode = {};
    if (decl.version !== undefined) d['@version'] = decl.version;
    if (decl.encoding !== undefined) d['@encoding'] = decl.encoding;
    if (decl.standalone !== undefined) d['@standalone'] = decl.standalone;
    document['?xml'] = d;
  });
  parser.on('opentag', (tag) => {
    if (stack.length > 0) flush();
    const attributes: string[] = [];
    for (const [name, value] of Object.entries(tag.attributes as Record<string, string>)) {
      if (name !== 'xmlns' && !name.startsWith('xmlns:')) attributes.push(`@${local(name)}`, value.trim());
    }
    stack.push({ name: local(tag.name), ...(attributes.length > 0 ? { attributes } : {}) });
  });
  parser.on('text', (t) => {
    if (stack.length > 0) pending += t;
  });
  parser.on('cdata', (t) => {
    flush();
    stack[stack.length - 1]!.text = (stack[stack.length - 1]!.text ?? '') + t;
  });
  parser.on('closetag', () => {
    flush();
    const e = stack.pop()!;
    let value: XmlValue;
    if (e.attributes) {
      const node = e.children ?? {};
      if (e.text) node['#text'] = e.text;
      for (let a = 0; a < e.attributes.length; a += 2) node[e.attributes[a]!] = e.attributes[a + 1]!;
      value = node;
    } else if (e.children) {
      if (e.text) e.children['#text'] = e.text;
      value = e.children;
    } else value = e.text ?? '';
    const parent = stack.length > 0 ? (stack[stack.length - 1]!.children ??= {}) : document;
    const existing = parent[e.name];
    if (existing !== undefined && Object.hasOwn(parent, e.name)) {
      if (Array.isArray(existing)) existing.push(value);
      else parent[e.name] = [existing, value];
    } else parent[e.name] = LISTS.has(e.name) ? [value] : value;
  });
  parser.on('error', (err) => {
    throw new XmlError(`not well-formed XML: ${err.message}`);
  });
  parser.write(text).close();
  return document;
}

const CANDIDATES: Record<string, (bytes: Buffer) => XmlNode> = {
  'a: fast-xml-parser validate + parse (before)': referenceParseXml,
  'b: fast-xml-parser parse, no validation': unvalidatedParseXml,
  'c: saxes 6.0.0 + tree builder': saxesParseXml,
  'd: hand-written (parseXml now)': parseXml,
};

const MESSAGES = {
  notification: Buffer.from(CAPTURED_MESSAGES['sim-notification']!),
  get: Buffer.from(CAPTURED_MESSAGES['sim-get-interfaces-state']!),
  netconfd_get: Buffer.from(CAPTURED_MESSAGES['netconfd-get-interfaces-state']!),
};

/** µs per parse of `bytes`. */
function microseconds(parse: (bytes: Buffer) => XmlNode, bytes: Buffer): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < PARSES; i += 1) parse(bytes);
  return Number(process.hrtime.bigint() - started) / 1e3 / PARSES;
}

function accepts(parse: (bytes: Buffer) => XmlNode, xml: string): boolean {
  try {
    parse(Buffer.from(xml));
    return true;
  } catch {
    return false;
  }
}

/**
 * Parsing one NETCONF message into the tree the normalisers read, for each
 * candidate parser, on the simulator's notification and interfaces-state
 * reply and on netconfd's reply: µs per message (best of the rounds, the
 * candidates alternating), and what each lets through of the malformed
 * corpus and of corrupted messages that fast-xml-parser's validator refuses.
 */
export async function netconfParseBench(): Promise<Record<string, unknown>> {
  // Same tree from every candidate, or the comparison means nothing.
  for (const [name, parse] of Object.entries(CANDIDATES)) {
    for (const [what, bytes] of Object.entries(MESSAGES)) {
      const expected = JSON.stringify(referenceParseXml(bytes));
      const got = JSON.stringify(parse(bytes));
      if (got !== expected) throw new Error(`${name} disagrees on ${what}:\n${got}\n${expected}`);
    }
  }
  const corrupted = corruptedMessages(FUZZ_SEED, CORRUPTIONS).filter((xml) => !referenceValidates(xml));
  const best: Record<string, Record<string, number>> = {};
  for (const name of Object.keys(CANDIDATES)) best[name] = { notification: Infinity, get: Infinity, netconfd_get: Infinity };
  for (const parse of Object.values(CANDIDATES)) for (const bytes of Object.values(MESSAGES)) microseconds(parse, bytes); // warm-up
  for (let r = 0; r < ROUNDS; r += 1) {
    for (const [name, parse] of Object.entries(CANDIDATES)) {
      for (const [what, bytes] of Object.entries(MESSAGES)) best[name]![what] = Math.min(best[name]![what]!, microseconds(parse, bytes));
    }
    console.error(
      `round ${r + 1}: ${Object.entries(best)
        .map(([name, b]) => `${name.slice(0, 2)} ${round(b.notification!, 1)}/${round(b.get!, 1)} µs`)
        .join(', ')}`,
    );
  }
  const table: Record<string, Record<string, number>> = {};
  for (const [name, parse] of Object.entries(CANDIDATES)) {
    table[name] = {
      us_per_notification: round(best[name]!.notification!, 1),
      us_per_get: round(best[name]!.get!, 1),
      us_per_netconfd_get: round(best[name]!.netconfd_get!, 1),
      malformed_accepted: MALFORMED_MESSAGES.filter((xml) => accepts(parse, xml)).length,
      refused_corruptions_accepted: corrupted.filter((xml) => accepts(parse, xml)).length,
    };
  }
  console.error(
    `${'candidate'.padEnd(46)} µs/notification  µs/get  µs/netconfd get  malformed accepted (of ${MALFORMED_MESSAGES.length})  corruptions the validator refuses, accepted (of ${corrupted.length})`,
  );
  for (const [name, t] of Object.entries(table)) {
    console.error(
      `${name.padEnd(46)} ${String(t.us_per_notification).padStart(15)}  ${String(t.us_per_get).padStart(6)}  ${String(t.us_per_netconfd_get).padStart(15)}  ${String(t.malformed_accepted).padStart(18)}  ${String(t.refused_corruptions_accepted).padStart(20)}`,
    );
  }
  const ours = table['d: hand-written (parseXml now)']!;
  const before = table['a: fast-xml-parser validate + parse (before)']!;
  const value = 1e6 / ours.us_per_notification!;
  const baseline = 1e6 / before.us_per_notification!;
  return {
    value: round(value),
    unit: 'notifications/s',
    baseline: round(baseline),
    ratio: round(value / baseline, 2),
    get_per_s: round(1e6 / ours.us_per_get!),
    get_baseline_per_s: round(1e6 / before.us_per_get!),
    get_ratio: round(before.us_per_get! / ours.us_per_get!, 2),
    parser: 'hand-written',
    baseline_parser: 'fast-xml-parser validate + parse',
    candidates: table,
    malformed: MALFORMED_MESSAGES.length,
    refused_corruptions: corrupted.length,
    notification_bytes: MESSAGES.notification.length,
    get_bytes: MESSAGES.get.length,
  };
}
