import { NETCONF_BASE_NS, escapeXml } from './xml';

export const BASE_10 = 'urn:ietf:params:netconf:base:1.0';
export const BASE_11 = 'urn:ietf:params:netconf:base:1.1';
export const NOTIFICATION_CAP = 'urn:ietf:params:netconf:capability:notification:1.0';
export const INTERLEAVE_CAP = 'urn:ietf:params:netconf:capability:interleave:1.0';
export const XPATH_CAP = 'urn:ietf:params:netconf:capability:xpath:1.0';

/** A filter for get / get-config / create-subscription: subtree XML, or an XPath (needs the :xpath capability). */
export type Filter = { subtree: string } | { xpath: string; namespaces?: Record<string, string> };

export function helloXml(capabilities: readonly string[], sessionId?: number): string {
  const caps = capabilities.map((c) => `<capability>${escapeXml(c)}</capability>`).join('');
  const sid = sessionId === undefined ? '' : `<session-id>${sessionId}</session-id>`;
  return `<?xml version="1.0" encoding="UTF-8"?><hello xmlns="${NETCONF_BASE_NS}"><capabilities>${caps}</capabilities>${sid}</hello>`;
}

export function rpcXml(messageId: number, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><rpc message-id="${messageId}" xmlns="${NETCONF_BASE_NS}">${body}</rpc>`;
}

export function filterXml(filter: Filter | undefined): string {
  if (!filter) return '';
  if ('subtree' in filter) return `<filter type="subtree">${filter.subtree}</filter>`;
  const ns = Object.entries(filter.namespaces ?? {})
    .map(([prefix, uri]) => ` xmlns:${escapeXml(prefix)}="${escapeXml(uri)}"`)
    .join('');
  return `<filter type="xpath" select="${escapeXml(filter.xpath)}"${ns}/>`;
}

export function getXml(filter?: Filter): string {
  return `<get>${filterXml(filter)}</get>`;
}

export function getConfigXml(source: 'running' | 'candidate' | 'startup', filter?: Filter): string {
  return `<get-config><source><${source}/></source>${filterXml(filter)}</get-config>`;
}

/** RFC 5277 §2.1.1. */
export function createSubscriptionXml(options: { stream?: string; filter?: Filter; startTime?: Date; stopTime?: Date } = {}): string {
  const parts = [
    options.stream ? `<stream>${escapeXml(options.stream)}</stream>` : '',
    options.filter ? filterXml(options.filter) : '',
    options.startTime ? `<startTime>${options.startTime.toISOString()}</startTime>` : '',
    options.stopTime ? `<stopTime>${options.stopTime.toISOString()}</stopTime>` : '',
  ];
  return `<create-subscription xmlns="urn:ietf:params:xml:ns:netconf:notification:1.0">${parts.join('')}</create-subscription>`;
}

export const CLOSE_SESSION = '<close-session/>';
