import { createHmac, randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

// ---------------------------------------------------------------------------
// Devices as NetBox serialises them
// ---------------------------------------------------------------------------

export interface NetboxRef {
  id: number;
  name: string;
  slug: string;
}

export interface NetboxIp {
  id: number;
  family: { value: 4 | 6; label: string };
  address: string;
}

export interface NetboxDevice {
  id: number;
  url: string;
  display: string;
  name: string | null;
  status: { value: string; label: string };
  /** NetBox 4 calls the role `role`... */
  role?: NetboxRef;
  /** ...NetBox 3.5 and older call it `device_role`. */
  device_role?: NetboxRef;
  platform: NetboxRef | null;
  site: NetboxRef;
  primary_ip: NetboxIp | null;
  primary_ip4: NetboxIp | null;
  primary_ip6: NetboxIp | null;
  tags: Array<NetboxRef & { color: string }>;
  custom_fields: Record<string, unknown>;
  created: string;
  last_updated: string;
}

export interface NetboxDeviceFields {
  name?: string | null;
  status?: string;
  role?: string;
  /** Emit the role as `device_role`, as NetBox 3.5 and older do. */
  legacyRole?: boolean;
  platform?: string | null;
  site?: string;
  ip4?: string | null;
  ip6?: string | null;
  tags?: string[];
  customFields?: Record<string, unknown>;
  lastUpdated?: string;
  /** Where the device's `url` points; the default is a host that never resolves. */
  baseUrl?: string;
}

/** The status choices of a NetBox device, with their labels. */
export const NETBOX_DEVICE_STATUSES: Readonly<Record<string, string>> = {
  active: 'Active',
  offline: 'Offline',
  planned: 'Planned',
  staged: 'Staged',
  failed: 'Failed',
  inventory: 'Inventory',
  decommissioning: 'Decommissioning',
};

const DEFAULT_BASE_URL = 'http://netbox.invalid';

/** Fixed ids and names for the slugs the fixtures use, so the same slug always gives the same object. */
const KNOWN: Record<'site' | 'role' | 'platform' | 'tag', Record<string, { id: number; name: string; color?: string }>> = {
  site: { dc1: { id: 1, name: 'DC1' }, dc2: { id: 2, name: 'DC2' }, dc3: { id: 3, name: 'DC3' } },
  role: { leaf: { id: 1, name: 'Leaf' }, spine: { id: 2, name: 'Spine' } },
  platform: {
    eos: { id: 1, name: 'Arista EOS' },
    junos: { id: 2, name: 'Juniper Junos' },
    iosxr: { id: 3, name: 'Cisco IOS XR' },
    nxos: { id: 4, name: 'Cisco NX-OS' },
  },
  tag: { telemetry: { id: 1, name: 'telemetry', color: '2196f3' }, core: { id: 2, name: 'core', color: 'ff5722' } },
};

/** A nested object for `slug`: known slugs have fixed ids, others get a stable id from the slug itself. */
function ref(kind: keyof typeof KNOWN, slug: string): NetboxRef {
  const known = KNOWN[kind][slug];
  if (known) return { id: known.id, name: known.name, slug };
  let hash = 0;
  for (const ch of slug) hash = (hash * 31 + ch.charCodeAt(0)) % 9_000;
  return { id: 1_000 + hash, name: slug.charAt(0).toUpperCase() + slug.slice(1), slug };
}

function tag(slug: string): NetboxRef & { color: string } {
  return { ...ref('tag', slug), color: KNOWN.tag[slug]?.color ?? '9e9e9e' };
}

/** A unique host address in 10.0.0.0/8 for `id`, never .0 or .255 within its /24. */
export function netboxDeviceIp4(id: number): string {
  const n = Math.max(0, id - 1);
  const host = (n % 254) + 1;
  const subnet = Math.floor(n / 254);
  return `10.${Math.floor(subnet / 256) % 256}.${subnet % 256}.${host}/24`;
}

/** The creation time of device `id`: a fixed day plus `id` seconds and some microseconds, as NetBox's API writes datetimes. */
function createdAt(id: number): string {
  const micros = String((id * 7_919) % 1_000_000).padStart(6, '0');
  return `${new Date(Date.UTC(2024, 0, 15, 9, 0, 0) + id * 1_000).toISOString().slice(0, 19)}.${micros}Z`;
}

/**
 * Builds a device in NetBox's shape; fields not given get plausible defaults (id → name `sw-<id>`, status active,
 * site dc1, role leaf, platform eos, primary_ip4 derived from the id within 10.0.0.0/8 with /24 mask, tags []).
 * Passing `platform: null`, `ip4: null`, `ip6: '2001:db8::5/64'` etc. overrides.
 */
export function netboxDevice(id: number, fields: NetboxDeviceFields = {}): NetboxDevice {
  const name = fields.name === undefined ? `sw-${id}` : fields.name;
  const status = fields.status ?? 'active';
  const ip4 = fields.ip4 === undefined ? netboxDeviceIp4(id) : fields.ip4;
  const ip6 = fields.ip6 ?? null;
  const primaryIp4: NetboxIp | null = ip4 === null ? null : { id: id * 2 - 1, family: { value: 4, label: 'IPv4' }, address: ip4 };
  const primaryIp6: NetboxIp | null = ip6 === null ? null : { id: id * 2, family: { value: 6, label: 'IPv6' }, address: ip6 };
  const role = ref('role', fields.role ?? 'leaf');
  const platform = fields.platform === undefined ? 'eos' : fields.platform;
  const created = createdAt(id);
  return {
    id,
    url: `${fields.baseUrl ?? DEFAULT_BASE_URL}/api/dcim/devices/${id}/`,
    display: name ?? `Unnamed device (${id})`,
    name,
    status: { value: status, label: NETBOX_DEVICE_STATUSES[status] ?? status },
    ...(fields.legacyRole ? { device_role: role } : { role }),
    platform: platform === null ? null : ref('platform', platform),
    site: ref('site', fields.site ?? 'dc1'),
    primary_ip: primaryIp4 ?? primaryIp6,
    primary_ip4: primaryIp4,
    primary_ip6: primaryIp6,
    tags: (fields.tags ?? []).map(tag),
    custom_fields: fields.customFields ?? {},
    created,
    last_updated: fields.lastUpdated ?? created,
  };
}

export interface NetboxDevicesOptions {
  firstId?: number;
  /** Mix in the awkward devices a real inventory has (see `netboxDevices`). */
  mixed?: boolean;
  legacyRole?: boolean;
  baseUrl?: string;
}

const PLATFORMS = ['eos', 'junos', 'iosxr', 'nxos'] as const;

/**
 * `n` devices with ids 1..n (or from `firstId`), always the same for the same arguments.
 * Without `mixed`: all active, platform eos, an IPv4 primary address, tag `telemetry`.
 * With `mixed`, chosen by id so that any run of 100 ids holds each kind: platforms cycle eos / junos / iosxr / nxos,
 * 5% have no platform, 5% are IPv6-only, 3% have no primary IP, 10% are offline, 5% lack the `telemetry` tag
 * and one in seven also carries `core`.
 */
export function netboxDevices(n: number, options: NetboxDevicesOptions = {}): NetboxDevice[] {
  const firstId = options.firstId ?? 1;
  const common = { legacyRole: options.legacyRole, baseUrl: options.baseUrl };
  const devices: NetboxDevice[] = [];
  for (let id = firstId; id < firstId + n; id += 1) {
    if (!options.mixed) {
      devices.push(netboxDevice(id, { ...common, tags: ['telemetry'] }));
      continue;
    }
    const noIp = id % 100 === 3 || id % 100 === 37 || id % 100 === 71;
    const ip6Only = !noIp && id % 20 === 13;
    const tags = [...(id % 20 === 17 ? [] : ['telemetry']), ...(id % 7 === 0 ? ['core'] : [])];
    devices.push(
      netboxDevice(id, {
        ...common,
        status: id % 10 === 4 ? 'offline' : 'active',
        platform: id % 20 === 9 ? null : PLATFORMS[id % PLATFORMS.length],
        ip4: noIp || ip6Only ? null : netboxDeviceIp4(id),
        ip6: ip6Only ? `2001:db8::${id.toString(16)}/64` : null,
        tags,
      }),
    );
  }
  return devices;
}

// ---------------------------------------------------------------------------
// The stand-in server
// ---------------------------------------------------------------------------

export type NetboxPageFault = 'malformed-json' | 'wrong-shape' | 'missing-id' | 'reset' | 'hang';

export interface NetboxStandIn {
  /** Base URL, e.g. http://127.77.0.1:34567 (no trailing slash). */
  url: string;
  /** The devices served, by id; tests change them directly (set/delete). */
  devices: Map<number, NetboxDevice>;
  /** List requests received (for assertions), with their URL and Authorization header. */
  readonly requests: Array<{ url: string; authorization: string | undefined }>;
  /**
   * The next `count` list requests answer `status` (503, 429, 500...) with a JSON detail body,
   * and `Retry-After: retryAfterS` when given. A new call replaces what is left of the previous one.
   */
  failNext(count: number, status: number, retryAfterS?: number): void;
  /**
   * Every list request for the page at this offset breaks, as chosen, until cleared:
   * 'malformed-json' (200 with the page's JSON cut short), 'wrong-shape' (200 with `{"results": "nope"}`),
   * 'missing-id' (200 with a proper page whose results lack `id`), 'reset' (the socket is destroyed without an answer),
   * 'hang' (never answered).
   */
  breakPage(offset: number, how: NetboxPageFault): void;
  /** Removes every fault. */
  clearFaults(): void;
  /** Delay every answer by ms (0 = none). */
  setLatency(ms: number): void;
  close(): Promise<void>;
}

export interface NetboxStandInOptions {
  /** The API token clients must send as `Authorization: Token <token>`. */
  token: string;
  /** A loopback address to listen on; default 127.0.0.1. */
  host?: string;
  devices?: NetboxDevice[];
  /** NetBox's MAX_PAGE_SIZE: the largest `limit` honoured (and what `limit=0` means); default 1000. */
  maxPageSize?: number;
}

const LIST_PATH = '/api/dcim/devices/';
const DETAIL_PATH = /^\/api\/dcim\/devices\/(\d+)\/$/;
const DEFAULT_PAGE_SIZE = 50;

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

function json(status: number, value: unknown, headers?: Record<string, string>): Answer {
  return { status, body: JSON.stringify(value), headers };
}

/** A non-negative integer query parameter, or `fallback` when absent or not a plain number (as NetBox treats it). */
function whole(raw: string | null, fallback: number): number {
  return raw !== null && /^\d+$/.test(raw) ? Number(raw) : fallback;
}

/** The devices matching NetBox's device filters, in id order. Repeated values of one filter are alternatives; tags must all match. */
function filterDevices(all: Iterable<NetboxDevice>, query: URLSearchParams): NetboxDevice[] {
  const statuses = query.getAll('status');
  const tags = query.getAll('tag');
  const sites = query.getAll('site');
  const roles = query.getAll('role');
  const platforms = query.getAll('platform');
  const matches = (wanted: string[], slug: string | undefined) => wanted.length === 0 || (slug !== undefined && wanted.includes(slug));
  const found: NetboxDevice[] = [];
  for (const d of all) {
    if (!matches(statuses, d.status.value)) continue;
    if (!matches(sites, d.site.slug)) continue;
    if (!matches(roles, (d.role ?? d.device_role)?.slug)) continue;
    if (!matches(platforms, d.platform?.slug)) continue;
    if (!tags.every((t) => d.tags.some((have) => have.slug === t))) continue;
    found.push(d);
  }
  // Tests usually insert in id order; sort only when they did not, so large benchmark inventories stay cheap.
  for (let i = 1; i < found.length; i += 1) {
    if (found[i - 1]!.id > found[i]!.id) return found.sort((a, b) => a.id - b.id);
  }
  return found;
}

/** Starts the stand-in on `host` (a loopback address such as 127.77.0.1; default 127.0.0.1), port 0 (a free port), requiring `token`. */
export async function startNetboxStandIn(options: NetboxStandInOptions): Promise<NetboxStandIn> {
  const host = options.host ?? '127.0.0.1';
  const maxPageSize = options.maxPageSize ?? 1_000;
  const devices = new Map<number, NetboxDevice>((options.devices ?? []).map((d) => [d.id, d]));
  const requests: NetboxStandIn['requests'] = [];
  const brokenPages = new Map<number, NetboxPageFault>();
  let failures: { count: number; status: number; retryAfterS: number | undefined } = { count: 0, status: 0, retryAfterS: undefined };
  let latencyMs = 0;
  let baseUrl = '';
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const listPage = (query: URLSearchParams): { offset: number; answer: Answer; page: object } | Answer => {
    const bad = query.getAll('status').find((s) => !(s in NETBOX_DEVICE_STATUSES));
    if (bad !== undefined) return json(400, { status: [`Select a valid choice. ${bad} is not one of the available choices.`] });
    const requested = whole(query.get('limit'), DEFAULT_PAGE_SIZE);
    const limit = requested === 0 ? maxPageSize : Math.min(requested, maxPageSize);
    const offset = whole(query.get('offset'), 0);
    const matching = filterDevices(devices.values(), query);
    // Links as Django REST framework builds them: the request's own query with limit and offset replaced.
    const link = (to: number | null): string => {
      const q = new URLSearchParams(query);
      q.set('limit', String(limit));
      if (to === null) q.delete('offset');
      else q.set('offset', String(to));
      return `${baseUrl}${LIST_PATH}?${q.toString()}`;
    };
    const page = {
      count: matching.length,
      next: offset + limit < matching.length ? link(offset + limit) : null,
      previous: offset <= 0 ? null : link(offset - limit <= 0 ? null : offset - limit),
      results: matching.slice(offset, offset + limit),
    };
    return { offset, page, answer: json(200, page) };
  };

  /** What to do with one request once its body has been read: an answer, or a fault to act out. */
  const decide = (req: IncomingMessage, url: URL, failure: Answer | undefined): Answer | 'reset' | 'hang' => {
    if (failure) return failure;
    const [keyword, given, ...rest] = (req.headers.authorization ?? '').trim().split(/\s+/);
    if (keyword?.toLowerCase() !== 'token' || given !== options.token || rest.length > 0) return json(403, { detail: 'Invalid token' });
    const detail = DETAIL_PATH.exec(url.pathname);
    if (url.pathname !== LIST_PATH && !detail) return json(404, { detail: 'Not found.' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { detail: `Method "${req.method}" not allowed.` });
    if (detail) {
      const device = devices.get(Number(detail[1]));
      return device ? json(200, device) : json(404, { detail: 'No Device matches the given query.' });
    }
    const listed = listPage(url.searchParams);
    if (!('page' in listed)) return listed;
    switch (brokenPages.get(listed.offset)) {
      case undefined:
        return listed.answer;
      case 'malformed-json':
        return { status: 200, body: listed.answer.body.slice(0, Math.floor(listed.answer.body.length / 2)) };
      case 'wrong-shape':
        return json(200, { results: 'nope' });
      case 'missing-id': {
        const results = (listed.page as { results: NetboxDevice[] }).results.map(({ id: _id, ...rest }) => rest);
        return json(200, { ...listed.page, results: results.length > 0 ? results : [{ name: 'no-id' }] });
      }
      case 'reset':
        return 'reset';
      case 'hang':
        return 'hang';
    }
  };

  const send = (req: IncomingMessage, res: ServerResponse, outcome: Answer | 'reset' | 'hang'): void => {
    if (outcome === 'hang') return; // the socket stays open until the client gives up or the stand-in closes
    if (outcome === 'reset') {
      req.socket.destroy();
      return;
    }
    res.writeHead(outcome.status, {
      'Content-Type': 'application/json',
      'Content-Length': String(Buffer.byteLength(outcome.body)),
      'API-Version': '4.1',
      ...outcome.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : outcome.body);
  };

  const server = createServer((req, res) => {
    req.on('error', () => {}); // a client that gives up mid-request is none of the stand-in's business
    req.resume(); // read any body to the end: NetBox ignores it, but an unread body stalls keep-alive clients
    req.on('end', () => {
      const url = new URL(req.url ?? '/', baseUrl);
      let failure: Answer | undefined;
      if (url.pathname === LIST_PATH) {
        requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
        if (failures.count > 0) {
          failures.count -= 1;
          const retry = failures.retryAfterS === undefined ? undefined : { 'Retry-After': String(failures.retryAfterS) };
          const detail = failures.status === 429 ? 'Request was throttled.' : (STATUS_CODES[failures.status] ?? 'Error');
          failure = json(failures.status, { detail }, retry);
        }
      }
      if (latencyMs <= 0) {
        send(req, res, decide(req, url, failure));
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        send(req, res, decide(req, url, failure));
      }, latencyMs);
      timers.add(timer);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    devices,
    requests,
    failNext(count, status, retryAfterS) {
      failures = { count, status, retryAfterS };
    },
    breakPage(offset, how) {
      brokenPages.set(offset, how);
    },
    clearFaults() {
      brokenPages.clear();
      failures = { count: 0, status: 0, retryAfterS: undefined };
    },
    setLatency(ms) {
      latencyMs = Math.max(0, ms);
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------
// Webhooks as NetBox sends them
// ---------------------------------------------------------------------------

export interface NetboxWebhookOptions {
  requestId?: string;
  /** When the change happened; default now. */
  timestamp?: Date;
  username?: string;
  /** 'object_type' (`"object_type": "dcim.device"`, NetBox 4) or 'model' (`"model": "device"`, older releases). */
  style?: 'object_type' | 'model';
  /** The object type for style 'object_type' (default `dcim.device`); style 'model' sends its part after the dot. */
  objectType?: string;
  /** The snapshot before the change, for 'updated' and 'deleted'; a device in API shape is turned into snapshot form. */
  prechange?: unknown;
}

/** `2021-03-09 17:55:33.968016+00:00`: how NetBox writes the webhook timestamp (Python's `str()` of a UTC datetime). */
export function netboxTimestamp(at: Date): string {
  const iso = at.toISOString(); // 2021-03-09T17:55:33.968Z
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000+00:00`;
}

function isApiDevice(value: unknown): value is NetboxDevice {
  const v = value as Partial<NetboxDevice> | null;
  return typeof v === 'object' && v !== null && typeof v.status === 'object' && typeof v.site === 'object' && Array.isArray(v.tags);
}

/**
 * A device as NetBox records it in change snapshots: flat fields, related objects by id, tags by name.
 * Anything that is not a device in API shape is taken as a snapshot already.
 */
function snapshot(value: unknown): unknown {
  if (!isApiDevice(value)) return value;
  return {
    created: value.created,
    last_updated: value.last_updated,
    name: value.name,
    status: value.status.value,
    role: (value.role ?? value.device_role)?.id ?? null,
    platform: value.platform?.id ?? null,
    site: value.site.id,
    primary_ip4: value.primary_ip4?.id ?? null,
    primary_ip6: value.primary_ip6?.id ?? null,
    custom_fields: value.custom_fields,
    tags: value.tags.map((t) => t.name),
  };
}

/** JSON as Python's `json.dumps` writes it by default: `", "` and `": "` separators, every non-ASCII character escaped. */
function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`).join(', ')}}`;
  }
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The JSON body NetBox sends for a change of `device` (exact bytes, Python's formatting).
 * style 'object_type' (default, NetBox 4) or 'model' (older). For 'deleted', `data` is the device as it was.
 */
export function netboxWebhookBody(
  event: 'created' | 'updated' | 'deleted',
  device: NetboxDevice | Record<string, unknown>,
  options: NetboxWebhookOptions = {},
): Buffer {
  const objectType = options.objectType ?? 'dcim.device';
  const kind =
    (options.style ?? 'object_type') === 'object_type' ? { object_type: objectType } : { model: objectType.split('.').pop() ?? objectType };
  const current = snapshot(device);
  const before = options.prechange === undefined ? current : snapshot(options.prechange);
  const body = {
    event,
    timestamp: netboxTimestamp(options.timestamp ?? new Date()),
    ...kind,
    username: options.username ?? 'admin',
    request_id: options.requestId ?? randomUUID(),
    data: device,
    snapshots: {
      prechange: event === 'created' ? null : before,
      postchange: event === 'deleted' ? null : current,
    },
  };
  return Buffer.from(pythonJson(body), 'utf8');
}

/** X-Hook-Signature for `body`: lowercase hex HMAC-SHA512 of the body's bytes, keyed with the secret's UTF-8 bytes. */
export function netboxSignature(secret: string, body: Buffer): string {
  return createHmac('sha512', Buffer.from(secret, 'utf8')).update(body).digest('hex');
}

/**
 * POSTs a signed body as NetBox does (Content-Type application/json, X-Hook-Signature, nothing else of its own);
 * resolves with the status and the answer's text, rejects on a network error or after 5 s.
 */
export function sendNetboxWebhook(url: string, secret: string, body: Buffer): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: 'POST',
        agent: false, // one connection per delivery, so nothing lingers after the test
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': String(body.length),
          'User-Agent': 'python-requests/2.32.3',
          'X-Hook-Signature': netboxSignature(secret, body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    const timer = setTimeout(() => req.destroy(new Error(`NetBox webhook to ${url} timed out after 5 s`)), 5_000);
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(body);
  });
}
