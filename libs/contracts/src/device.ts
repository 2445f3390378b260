import { z } from 'zod';
import { FILE_NAME } from '@switch-telemetry/config';
import { deviceIdSchema, subscriptionNameSchema } from './telemetry-message';

export const PROTOCOLS = ['gnmi', 'netconf'] as const;
export const SUBSCRIPTION_MODES = ['sample', 'on_change', 'target_defined', 'poll', 'get', 'notification'] as const;

/**
 * The modes each protocol's sessions run: gNMI STREAM subscriptions (SAMPLE,
 * ON_CHANGE, TARGET_DEFINED); NETCONF `get` polled at the interval (`poll` is
 * the same) and one RFC 5277 notification stream (one per session).
 */
export const PROTOCOL_MODES: Record<(typeof PROTOCOLS)[number], readonly (typeof SUBSCRIPTION_MODES)[number][]> = {
  gnmi: ['sample', 'on_change', 'target_defined'],
  netconf: ['get', 'poll', 'notification'],
};

/** Limits on what one device record may carry (a record is read by every collector replica). */
export const MAX_TAGS = 64;
export const MAX_SUBSCRIPTIONS = 64;
export const MAX_PATHS_PER_SUBSCRIPTION = 256;
/** Subscription profiles one device may name. */
export const MAX_PROFILES = 8;
/**
 * Bytes (as JSON) of a device's own subscriptions, and of one profile's: a
 * device event carries the device's own and its effective subscriptions, so
 * 2 × 128 KiB + 8 profiles × 32 KiB keeps it far below NATS's 1 MiB
 * max_payload (an event NATS refuses would hold up every event behind it).
 */
export const MAX_SUBSCRIPTIONS_BYTES = 128 * 1_024;
export const MAX_PROFILE_BYTES = 32 * 1_024;

const jsonBytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value)).length;

/** A subscription profile's name. */
export const profileNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
  message: 'must be 1-64 of a-z 0-9 _ -, starting with a letter or digit',
});

/**
 * Where a device record comes from: `api` (a user, or an NMS's device.*
 * webhooks), `discovery` (a subnet scan), `netbox:<source>` (a NetBox or
 * Nautobot instance). Set by whoever creates the record, never by the API's caller.
 */
export const deviceSourceSchema = z.string().regex(/^(api|discovery|netbox:[a-z0-9_-]{1,64})$/, {
  message: 'must be api, discovery or netbox:<source>',
});

/**
 * A credential's name. The secret itself is defined by the operator outside
 * the API (a file in the collector's credentials directory, or a
 * DEVICE_CREDENTIALS_<NAME> variable); the API only ever names it.
 */
export const credentialNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, {
  message: 'must name a credential the operator defined: 1-64 of a-z 0-9 _ -, starting with a letter or digit',
});

/** A file the operator put in the collector's trust directory (a CA bundle, a known_hosts file). */
const trustFileSchema = z
  .string()
  .regex(FILE_NAME, { message: "must name a file in the collector's trust directory: 1-128 of A-Z a-z 0-9 . _ -, no path" })
  .refine((name) => !name.includes('..'), { message: 'must not contain ..' });

export const subscriptionSchema = z
  .object({
    name: subscriptionNameSchema,
    paths: z.array(z.string().min(1).max(2_048)).min(1).max(MAX_PATHS_PER_SUBSCRIPTION),
    mode: z.enum(SUBSCRIPTION_MODES),
    interval_ms: z.number().int().min(1).max(86_400_000).optional(),
    options: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const hostSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9.:_-]+$/, { message: 'must be a host name or an IP address' });

export const tlsSchema = z
  .object({
    /** A CA bundle (PEM) in the collector's trust directory; the system roots when absent. */
    ca: trustFileSchema.optional(),
    server_name: z.string().min(1).max(255).optional(),
    /** A credential holding `certificate` and `private_key` (PEM) for mutual TLS. */
    client_cert: credentialNameSchema.optional(),
    /** Only when explicitly asked; logged as a warning by the collector. */
    insecure_skip_verify: z.boolean().optional(),
    /** No TLS at all (lab devices, the simulator): explicit, never a fallback. */
    plaintext: z.boolean().optional(),
  })
  .strict();

export const hostKeySchema = z
  .object({
    fingerprints: z
      .array(z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, { message: 'must be SHA256:<base64> as OpenSSH prints it' }))
      .max(16)
      .optional(),
    /** An OpenSSH known_hosts file in the collector's trust directory. */
    known_hosts: trustFileSchema.optional(),
    trust_on_first_use: z.boolean().optional(),
  })
  .strict();

const tagsSchema = z
  .record(z.string().min(1).max(64), z.string().max(256))
  .refine((tags) => Object.keys(tags).length <= MAX_TAGS, { message: `at most ${MAX_TAGS} tags` });

// The fields without defaults: a PATCH must change only what it is sent, so
// its schema is built from these (zod applies a default even inside .partial()).
const deviceFields = z
  .object({
    id: deviceIdSchema,
    name: z.string().min(1).max(256),
    protocol: z.enum(PROTOCOLS),
    address: hostSchema,
    port: z.number().int().min(1).max(65_535),
    /** The name of the credentials to use (never the secret itself); null for none. */
    credentials: credentialNameSchema.nullable(),
    tls: tlsSchema,
    host_key: hostKeySchema,
    tags: tagsSchema,
    enabled: z.boolean(),
    /** Subscription profiles, in order; the device runs theirs, then its own subscriptions. */
    profiles: z
      .array(profileNameSchema)
      .max(MAX_PROFILES)
      .refine((names) => new Set(names).size === names.length, { message: 'profile names must be unique' }),
    subscriptions: z
      .array(subscriptionSchema)
      .max(MAX_SUBSCRIPTIONS)
      .refine((subs) => new Set(subs.map((s) => s.name)).size === subs.length, { message: 'subscription names must be unique' })
      .refine((subs) => jsonBytes(subs) <= MAX_SUBSCRIPTIONS_BYTES, {
        message: `at most ${MAX_SUBSCRIPTIONS_BYTES} bytes of subscriptions as JSON: share them through a profile`,
      }),
  })
  .strict();

/** Subscriptions the device's protocol can run: anything else would be accepted and never collected. */
function checkModes(
  device: { protocol: (typeof PROTOCOLS)[number]; subscriptions: Array<{ mode: (typeof SUBSCRIPTION_MODES)[number] }> },
  ctx: z.RefinementCtx,
): void {
  const allowed = PROTOCOL_MODES[device.protocol];
  device.subscriptions.forEach((sub, i) => {
    if (!allowed.includes(sub.mode)) {
      ctx.addIssue({
        code: 'custom',
        path: ['subscriptions', i, 'mode'],
        message: `a ${device.protocol} device runs ${allowed.join(', ')}, not ${sub.mode}`,
      });
    }
  });
  if (device.protocol === 'netconf' && device.subscriptions.filter((s) => s.mode === 'notification').length > 1) {
    ctx.addIssue({
      code: 'custom',
      path: ['subscriptions'],
      message: 'a NETCONF session has one notification stream (RFC 5277): at most one notification subscription',
    });
  }
}

const deviceInputBase = deviceFields
  .extend({
    credentials: deviceFields.shape.credentials.default(null),
    tls: deviceFields.shape.tls.default({}),
    host_key: deviceFields.shape.host_key.default({}),
    tags: deviceFields.shape.tags.default({}),
    enabled: deviceFields.shape.enabled.default(true),
    profiles: deviceFields.shape.profiles.default([]),
    subscriptions: deviceFields.shape.subscriptions.default([]),
  })
  .strict();

/** What a user or an NMS sends to create or replace a device; absent fields take their defaults. */
export const deviceInputSchema = deviceInputBase.superRefine(checkModes);

/** What PUT /v1/devices/:id takes: a whole device, its id from the path. */
export const deviceReplaceSchema = deviceInputBase.omit({ id: true }).superRefine(checkModes);

/** A partial update: any field but the id; a field not sent is left as it is (the result is checked as a whole device). */
export const devicePatchSchema = deviceFields.omit({ id: true }).partial().strict();

export type DeviceInput = z.infer<typeof deviceInputSchema>;
export type DevicePatch = z.infer<typeof devicePatchSchema>;
export type Subscription = z.infer<typeof subscriptionSchema>;

/** What a stored device has beyond what was sent: where it came from, what it runs, when it changed. */
const storedFields = {
  source: deviceSourceSchema,
  /** Read only: the subscriptions the device runs (its profiles', then its own), the ones its protocol can run. */
  effective_subscriptions: z.array(subscriptionSchema),
  created_at: z.string(),
  updated_at: z.string(),
};

/** A stored device, as the API answers it. */
export const deviceSchema = deviceInputBase.extend(storedFields).superRefine(checkModes);
export type Device = DeviceInput & { source: string; effective_subscriptions: Subscription[]; created_at: string; updated_at: string };

/**
 * A stored device as device events carry it: the same fields, but loose at
 * every level, so a field added to the record within version 1 of the event
 * does not make consumers (the collector among them) refuse the event.
 */
export const deviceRecordSchema = deviceInputBase
  .extend({
    tls: tlsSchema.loose().default({}),
    host_key: hostKeySchema.loose().default({}),
    subscriptions: z
      .array(subscriptionSchema.loose())
      .max(MAX_SUBSCRIPTIONS)
      .refine((subs) => new Set(subs.map((s) => s.name)).size === subs.length, { message: 'subscription names must be unique' })
      .default([]),
    // Records written before profiles existed: the device's own subscriptions are all it runs.
    source: deviceSourceSchema.default('api'),
    effective_subscriptions: z.array(subscriptionSchema.loose()).optional(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .loose()
  .superRefine(checkModes);

/**
 * A device record from an event as the collector runs it: a record written
 * before profiles existed carries no effective subscriptions, and runs its
 * own (those its protocol can run).
 */
export function recordedDevice(record: z.infer<typeof deviceRecordSchema>): Device {
  return {
    ...record,
    effective_subscriptions: record.effective_subscriptions ?? record.subscriptions.filter((s) => fits(record.protocol, s)),
  } as Device;
}

function fits(protocol: (typeof PROTOCOLS)[number], sub: { mode: (typeof SUBSCRIPTION_MODES)[number] }): boolean {
  return PROTOCOL_MODES[protocol].includes(sub.mode);
}

/** What PUT /v1/subscription-profiles/:name takes: the whole profile (gNMI and NETCONF subscriptions may be mixed). */
export const subscriptionProfileInputSchema = z
  .object({
    description: z.string().max(1_024).default(''),
    subscriptions: z
      .array(subscriptionSchema)
      .max(MAX_SUBSCRIPTIONS)
      .refine((subs) => new Set(subs.map((s) => s.name)).size === subs.length, { message: 'subscription names must be unique' })
      .refine((subs) => jsonBytes(subs) <= MAX_PROFILE_BYTES, { message: `at most ${MAX_PROFILE_BYTES} bytes of subscriptions as JSON` }),
  })
  .strict();
export type SubscriptionProfileInput = z.infer<typeof subscriptionProfileInputSchema>;

/** A stored profile: `version` grows by one with every change; `devices` is how many devices name it. */
export interface SubscriptionProfile extends SubscriptionProfileInput {
  name: string;
  version: number;
  devices: number;
  created_at: string;
  updated_at: string;
}

/** A profile as a device's subscriptions are worked out from it. */
export interface ProfileSubscriptions {
  name: string;
  subscriptions: readonly Subscription[];
}

/**
 * The subscriptions a device runs: those of its profiles in the order it
 * names them, then its own; a later subscription of the same name replaces
 * an earlier one (the device's own win). A profile may hold gNMI and NETCONF
 * subscriptions alike: a device takes the ones its protocol can run. A
 * profile that is not in `profiles` contributes nothing.
 */
export function effectiveSubscriptions(
  device: { protocol: (typeof PROTOCOLS)[number]; profiles: readonly string[]; subscriptions: readonly Subscription[] },
  profiles: ReadonlyMap<string, ProfileSubscriptions>,
): Subscription[] {
  const byName = new Map<string, Subscription>();
  for (const name of device.profiles) for (const sub of profiles.get(name)?.subscriptions ?? []) byName.set(sub.name, sub);
  for (const sub of device.subscriptions) byName.set(sub.name, sub);
  const result = [...byName.values()].filter((s) => fits(device.protocol, s));
  // RFC 5277: one notification stream per NETCONF session; the last one named wins.
  const notifications = result.filter((s) => s.mode === 'notification');
  return notifications.length <= 1 ? result : result.filter((s) => s.mode !== 'notification' || s === notifications.at(-1));
}

/** `host:port` for a device's address, an IPv6 address in brackets (`[2001:db8::1]:57400`). */
export function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
