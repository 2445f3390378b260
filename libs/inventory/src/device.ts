import { z } from 'zod';
import { normalizeCidr } from './cidr';

/** DESIGN.md: a device id is a subject token. */
export const deviceIdSchema = z.string().regex(/^[a-z0-9_-]{1,128}$/, { message: 'must be 1-128 of a-z 0-9 _ -' });

export const PROTOCOLS = ['gnmi', 'netconf'] as const;
export const SUBSCRIPTION_MODES = ['sample', 'on_change', 'target_defined', 'poll', 'once', 'get', 'notification'] as const;

export const subscriptionSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9_-]{1,64}$/, { message: 'must be 1-64 of a-z 0-9 _ -' }),
    paths: z.array(z.string().min(1).max(2_048)).min(1).max(256),
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
    ca_file: z.string().min(1).max(1_024).optional(),
    server_name: z.string().min(1).max(255).optional(),
    client_cert_ref: z.string().min(1).max(512).optional(),
    /** Only when explicitly asked; logged as a warning by the collector. */
    insecure_skip_verify: z.boolean().optional(),
    /** No TLS at all (lab devices, the simulator): explicit, never a fallback. */
    plaintext: z.boolean().optional(),
  })
  .strict();

export const hostKeySchema = z
  .object({
    fingerprints: z.array(z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, { message: 'must be SHA256:<base64> as OpenSSH prints it' })).max(16).optional(),
    known_hosts_file: z.string().min(1).max(1_024).optional(),
    trust_on_first_use: z.boolean().optional(),
  })
  .strict();

/** What a user or an NMS sends to create or replace a device. */
export const deviceInputSchema = z
  .object({
    id: deviceIdSchema,
    name: z.string().min(1).max(256),
    protocol: z.enum(PROTOCOLS),
    address: hostSchema,
    port: z.number().int().min(1).max(65_535),
    /** A reference to a secret (never the secret itself). */
    credentials_ref: z.string().min(1).max(512).nullable().optional(),
    tls: tlsSchema.default({}),
    host_key: hostKeySchema.default({}),
    tags: z.record(z.string().max(64), z.string().max(256)).default({}),
    enabled: z.boolean().default(true),
    subscriptions: z.array(subscriptionSchema).max(64).default([]),
  })
  .strict();

/** A partial update: any field but the id. */
export const devicePatchSchema = deviceInputSchema.omit({ id: true }).partial().strict();

export type DeviceInput = z.infer<typeof deviceInputSchema>;
export type DevicePatch = z.infer<typeof devicePatchSchema>;
export type Subscription = z.infer<typeof subscriptionSchema>;

/** A stored device, as the API answers it. */
export type Device = DeviceInput & { created_at: string; updated_at: string };

/** A subnet to scan, validated and normalised (`10.0.0.7/24` → `10.0.0.0/24`). */
export const cidrSchema = z.string().transform((value, ctx) => {
  try {
    return normalizeCidr(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
