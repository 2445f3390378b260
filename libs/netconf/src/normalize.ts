import type { TelemetryMessage } from '@switch-telemetry/contracts';
import type { NetconfNotification, Reply } from './session';
import type { XmlNode, XmlValue } from './xml';

/** NETCONF's telemetry messages carry text and numbers as values. */
export type NetconfTelemetryMessage = TelemetryMessage & { source: 'netconf'; updates: Array<{ path: string; value: string | number }> };

// YANG list keys by list name (ietf-interfaces keys interfaces by name).
const LIST_KEYS = new Map([
  ['interface', 'name'],
  ['address', 'ip'],
  ['neighbor', 'ip'],
  ['stream', 'name'],
]);
const DECIMAL = /^-?\d{1,20}$/;

function leafValue(text: string): string | number {
  // Counters and gauges arrive as decimal text; keep 64-bit values exact.
  const first = text.charCodeAt(0);
  if (((first >= 0x30 && first <= 0x39) || first === 0x2d) && DECIMAL.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : text;
  }
  return text;
}

function escapeKey(value: string): string {
  if (value.indexOf('\\') === -1 && value.indexOf(']') === -1) return value;
  return value.replace(/[\\\]]/g, (c) => `\\${c}`);
}

type Leaves = Array<{ path: string; value: string | number }>;

/** Flattens an XML subtree into gNMI-style leaf paths (lists keyed by their YANG key). */
export function flatten(node: XmlValue, path: string, out: Leaves): void {
  if (typeof node === 'string') {
    out.push({ path, value: leafValue(node) });
    return;
  }
  if (Array.isArray(node)) {
    for (const item of node) flatten(item, path, out);
    return;
  }
  // Once per message and per node: no entry arrays, no wrapper arrays.
  const names = Object.keys(node);
  for (let i = 0; i < names.length; i += 1) {
    const name = names[i]!;
    if (name.charCodeAt(0) === 0x40 || name === '#text') continue; // attributes and mixed text are not leaves
    const child = node[name]!;
    const keyName = LIST_KEYS.get(name);
    if (Array.isArray(child)) for (const entry of child) flattenEntry(name, keyName, entry, path, out);
    else flattenEntry(name, keyName, child, path, out);
  }
}

function flattenEntry(name: string, keyName: string | undefined, entry: XmlValue, path: string, out: Leaves): void {
  const keyValue = keyName !== undefined && typeof entry === 'object' && !Array.isArray(entry) ? entry[keyName] : undefined;
  const elem = typeof keyValue === 'string' ? `${name}[${keyName}=${escapeKey(keyValue)}]` : name;
  flatten(entry, path ? `${path}/${elem}` : elem, out);
}

const nowNs = () => (BigInt(Date.now()) * 1_000_000n).toString();

function ns(text: string): number | string {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return nowNs();
  // Sub-millisecond digits of the eventTime, when the device gives them.
  const frac = /\.(\d+)/.exec(text)?.[1] ?? '';
  const nanos = BigInt(Math.floor(ms / 1_000)) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9));
  const n = Number(nanos);
  return Number.isSafeInteger(n) ? n : nanos.toString();
}

function message(device: string, subscription: string, ts: number | string, root: XmlNode): NetconfTelemetryMessage {
  const tops = Object.keys(root).filter((k) => !k.startsWith('@') && k !== '#text');
  const single = tops.length === 1 ? tops[0]! : undefined;
  const updates: Array<{ path: string; value: string | number }> = [];
  flatten(single ? (root[single] as XmlValue) : root, '', updates);
  return { v: 1, device, source: 'netconf', subscription, ts, prefix: single ? `/${single}` : '', updates, deletes: [] };
}

/** One get / get-config reply → one telemetry message (prefix: the top container, e.g. /interfaces-state). */
export function normalizeReply(reply: Reply, device: string, subscription: string, receivedAt = nowNs()): NetconfTelemetryMessage {
  const ts = typeof receivedAt === 'string' && Number.isSafeInteger(Number(receivedAt)) ? Number(receivedAt) : receivedAt;
  return message(device, subscription, ts, reply.data ?? {});
}

/** One notification → one telemetry message, stamped with its eventTime (ns). */
export function normalizeNotification(n: NetconfNotification, device: string, subscription: string): NetconfTelemetryMessage {
  return message(device, subscription, ns(n.eventTime), n.event);
}
