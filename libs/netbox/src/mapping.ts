import { isIP } from 'node:net';
import { MAX_PROFILES, MAX_TAGS, credentialNameSchema, profileNameSchema, type DeviceInput } from '@switch-telemetry/contracts';
import { addressRefusal, parseSubnet, type Subnet } from '@switch-telemetry/scanning';
import { DEFAULT_PORTS, type NetboxSource } from './config';
import { netboxDeviceSchema, type NetboxDeviceRecord } from './model';

/** What a NetBox device is to us. */
export type Mapped =
  /** Selected and complete: the device we keep for it. */
  | { state: 'monitored'; objectId: number; name: string; device: DeviceInput }
  /** Not selected by the source's `select` (status, tags, role, site, custom field). */
  | { state: 'excluded'; objectId: number; name: string; reason: string }
  /** Selected, but it cannot be collected from as it stands in NetBox (no primary IP, a platform without a mapping...). */
  | { state: 'unmonitorable'; objectId: number; name: string; reason: string };

/** The object is not a NetBox device at all (no numeric id): nothing can be recorded for it. */
export type Unusable = { state: 'invalid'; reason: string };

/** Our id for NetBox device `objectId` of `source`: stable across renames and address changes. */
export function deviceIdFor(source: string, objectId: number): string {
  return `nb-${source}-${objectId}`;
}

const parsedAllowList = new WeakMap<NetboxSource, Subnet[]>();

/** The source's allowed subnets, parsed once per source. */
function allowedSubnets(source: NetboxSource): Subnet[] {
  let parsed = parsedAllowList.get(source);
  if (!parsed) parsedAllowList.set(source, (parsed = source.allowed_subnets.map((cidr) => parseSubnet(cidr)!)));
  return parsed;
}

/** Tags of ours that NetBox's own tags become, at most this many (the record holds MAX_TAGS in all). */
const MAX_COPIED_TAGS = MAX_TAGS - 8;

function slugOf(ref: { slug?: string | undefined; name?: string | undefined } | null | undefined): string | undefined {
  if (!ref) return undefined;
  return ref.slug ?? ref.name?.toLowerCase().replace(/[^a-z0-9_-]+/g, '-');
}

function statusOf(device: NetboxDeviceRecord): string | undefined {
  const status = device.status;
  if (status === null || status === undefined) return undefined;
  if (typeof status === 'string') return status.toLowerCase();
  return (status.value ?? status.name)?.toLowerCase();
}

function addressOf(device: NetboxDeviceRecord, order: NetboxSource['address']): string | undefined {
  const v4 = device.primary_ip4?.address;
  const v6 = device.primary_ip6?.address;
  const chosen = (order === 'ipv6-first' ? (v6 ?? v4) : (v4 ?? v6)) ?? device.primary_ip?.address;
  // NetBox keeps the prefix length with the address: 10.0.0.1/24.
  return chosen?.split('/')[0]?.trim();
}

function namesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string')
    return value
      .split(',')
      .map((v) => v.trim())
      .filter((v) => v !== '');
  return [];
}

/** Why the source's `select` leaves this device out, or undefined when it is selected. */
function notSelected(source: NetboxSource, device: NetboxDeviceRecord, tags: readonly string[]): string | undefined {
  const { select } = source;
  const status = statusOf(device);
  if (!status || !select.statuses.includes(status)) return `status ${status ?? '(none)'} is not one of ${select.statuses.join(', ')}`;
  const missing = select.tags.filter((t) => !tags.includes(t));
  if (missing.length > 0) return `it lacks the tag ${missing.join(', ')}`;
  const role = slugOf(device.role ?? device.device_role);
  if (select.roles && !(role && select.roles.includes(role))) return `role ${role ?? '(none)'} is not selected`;
  const site = slugOf(device.site);
  if (select.sites && !(site && select.sites.includes(site))) return `site ${site ?? '(none)'} is not selected`;
  if (select.custom_field) {
    const { name, equals } = select.custom_field;
    if (device.custom_fields?.[name] !== equals) return `custom field ${name} is not ${JSON.stringify(equals)}`;
  }
  return undefined;
}

/**
 * A NetBox device through a source's mapping: which device of ours it
 * is (or why it is none). Pure: the profiles it names are checked against
 * the database when it is applied.
 */
export function mapNetboxDevice(raw: unknown, source: NetboxSource): Mapped | Unusable {
  const parsed = netboxDeviceSchema.safeParse(raw);
  if (!parsed.success) {
    const id = (raw as { id?: unknown } | null)?.id;
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(device)'}: ${i.message}`)
      .join('; ');
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1)
      return { state: 'invalid', reason: `not a NetBox device: ${issues}` };
    return { state: 'unmonitorable', objectId: id, name: `netbox-${id}`, reason: `not a NetBox device as expected: ${issues}` };
  }
  const nb = parsed.data;
  const objectId = nb.id;
  const name = (nb.name ?? '').trim() || `netbox-${objectId}`;
  const tags = nb.tags.map((t) => slugOf(t)).filter((t): t is string => t !== undefined);

  const left = notSelected(source, nb, tags);
  if (left) return { state: 'excluded', objectId, name, reason: left };
  const unmonitorable = (reason: string): Mapped => ({ state: 'unmonitorable', objectId, name, reason });

  const platformSlug = slugOf(nb.platform);
  const platform = (platformSlug !== undefined ? source.platforms[platformSlug] : undefined) ?? source.default_platform;
  if (!platform) {
    return unmonitorable(
      platformSlug === undefined ? 'it has no platform and the source has no default_platform' : `platform ${platformSlug} has no mapping`,
    );
  }

  const address = addressOf(nb, source.address);
  if (!address) return unmonitorable('it has no primary IP address');
  // A zone index (fe80::1%eth0) passes isIP, but is no address another host can reach.
  if (isIP(address) === 0 || !/^[0-9A-Fa-f.:]{2,45}$/.test(address)) {
    return unmonitorable(`its primary IP ${address.slice(0, 64)} is not an IP address`);
  }
  const refused = addressRefusal(address, allowedSubnets(source));
  if (refused) return unmonitorable(refused);

  let credentials = platform.credentials ?? null;
  if (source.credentials_field) {
    const named = nb.custom_fields?.[source.credentials_field];
    if (typeof named === 'string' && named.trim() !== '') {
      const checked = credentialNameSchema.safeParse(named.trim());
      if (!checked.success)
        return unmonitorable(`custom field ${source.credentials_field}: ${checked.error.issues[0]?.message ?? 'invalid'}`);
      credentials = checked.data;
    }
  }

  const profiles = [...platform.profiles];
  if (source.profiles_field) profiles.push(...namesIn(nb.custom_fields?.[source.profiles_field]));
  if (source.profile_tag_prefix) {
    const prefix = source.profile_tag_prefix;
    profiles.push(...tags.filter((t) => t.startsWith(prefix) && t.length > prefix.length).map((t) => t.slice(prefix.length)));
  }
  const unique = [...new Set(profiles)];
  const badProfile = unique.find((p) => !profileNameSchema.safeParse(p).success);
  if (badProfile !== undefined) return unmonitorable(`profile name ${JSON.stringify(badProfile.slice(0, 64))} is not valid`);
  if (unique.length > MAX_PROFILES) return unmonitorable(`it names ${unique.length} profiles; a device runs at most ${MAX_PROFILES}`);

  const ourTags: Record<string, string> = { 'netbox.id': String(objectId) };
  const site = slugOf(nb.site);
  const role = slugOf(nb.role ?? nb.device_role);
  if (site) ourTags['netbox.site'] = site.slice(0, 256);
  if (role) ourTags['netbox.role'] = role.slice(0, 256);
  if (platformSlug) ourTags['netbox.platform'] = platformSlug.slice(0, 256);
  for (const tag of tags.slice(0, MAX_COPIED_TAGS)) ourTags[`netbox.tag.${tag}`.slice(0, 64)] = '';

  // Built from checked parts (the platform's fields were checked with the configuration): no second
  // validation of ten thousand records, which would cost a sync more than writing them.
  const device: DeviceInput = {
    id: deviceIdFor(source.name, objectId),
    name: name.slice(0, 256),
    protocol: platform.protocol,
    address,
    port: platform.port ?? DEFAULT_PORTS[platform.protocol],
    credentials,
    tls: platform.tls ?? {},
    host_key: platform.host_key ?? {},
    tags: ourTags,
    enabled: true,
    profiles: unique,
    subscriptions: [],
  };
  return { state: 'monitored', objectId, name, device };
}
