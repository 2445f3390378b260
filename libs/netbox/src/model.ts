import { z } from 'zod';

/** A related object as NetBox nests it ({id, name, slug, ...}); Nautobot 2 may leave the slug out. */
const refSchema = z.object({ name: z.string().max(256).optional(), slug: z.string().max(256).optional() }).loose();
const ipSchema = z.object({ address: z.string().min(1).max(64) }).loose();
const tagSchema = z.object({ name: z.string().max(256).optional(), slug: z.string().max(256).optional() }).loose();

/**
 * A device as NetBox's REST API serialises it (and its webhooks carry in
 * `data`): only what the mapping reads is checked, everything else may be
 * anything. Nautobot's `status` is an object too; older NetBox names the
 * role `device_role`.
 */
export const netboxDeviceSchema = z
  .object({
    id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
    name: z.string().max(256).nullish(),
    status: z
      .union([z.object({ value: z.string().max(64).optional(), name: z.string().max(64).optional() }).loose(), z.string().max(64)])
      .nullish(),
    role: refSchema.nullish(),
    device_role: refSchema.nullish(),
    platform: refSchema.nullish(),
    site: refSchema.nullish(),
    primary_ip: ipSchema.nullish(),
    primary_ip4: ipSchema.nullish(),
    primary_ip6: ipSchema.nullish(),
    tags: z.array(tagSchema).max(1_000).default([]),
    custom_fields: z.record(z.string(), z.unknown()).nullish(),
  })
  .loose();
export type NetboxDeviceRecord = z.infer<typeof netboxDeviceSchema>;

/** One page of a NetBox list endpoint. */
export const netboxPageSchema = z
  .object({
    count: z.number().int().min(0),
    next: z.string().max(4_096).nullable(),
    results: z.array(z.unknown()),
  })
  .loose();

/** What NetBox sends to a webhook (no body template): the event, who, when, and the object. */
export const netboxWebhookSchema = z
  .object({
    event: z.enum(['created', 'updated', 'deleted']),
    /** `2021-03-09 17:55:33.968016+00:00` */
    timestamp: z.string().max(64).optional(),
    /** Newer releases: `dcim.device`; older ones: `model: device`. */
    object_type: z.string().max(100).optional(),
    model: z.string().max(100).optional(),
    username: z.string().max(150).nullish(),
    request_id: z.string().max(100).nullish(),
    data: z.record(z.string(), z.unknown()),
  })
  .loose();
export type NetboxWebhook = z.infer<typeof netboxWebhookSchema>;

/** Whether a webhook is about a device (dcim.device, or `device` from releases that sent `model`). */
export function isDeviceWebhook(body: NetboxWebhook): boolean {
  return body.object_type === 'dcim.device' || (body.object_type === undefined && body.model === 'device');
}

/** NetBox's timestamp (`2021-03-09 17:55:33.968016+00:00`, a space for the T) as a Date; undefined when it is not one. */
export function netboxTime(text: string | undefined): Date | undefined {
  if (!text) return undefined;
  const iso = text.trim().replace(' ', 'T');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(iso)) return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
