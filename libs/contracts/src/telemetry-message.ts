import { z } from 'zod';

/** A device id: a subject token (`telemetry.<device>.<subscription>`), never a dot or a wildcard. */
export const deviceIdSchema = z.string().regex(/^[a-z0-9_-]{1,128}$/, { message: 'must be 1-128 of a-z 0-9 _ -' });

/** A subscription name: also a subject token. */
export const subscriptionNameSchema = z.string().regex(/^[a-z0-9_-]{1,64}$/, { message: 'must be 1-64 of a-z 0-9 _ -' });

/** A JSON value as telemetry carries it: 64-bit integers beyond 2^53 and exact decimals as strings, bytes as base64. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)]),
);

/**
 * The telemetry message, version 1: one NATS message on
 * `telemetry.<device>.<subscription>` per gNMI Notification or NETCONF
 * reply/notification. Within version 1 fields may only be added (consumers
 * ignore what they do not know); a change to an existing field is version 2.
 */
export const telemetryMessageSchema = z
  .object({
    v: z.literal(1),
    device: deviceIdSchema,
    source: z.enum(['gnmi', 'netconf']),
    subscription: subscriptionNameSchema,
    ts: z
      .union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().regex(/^[0-9]{1,20}$/)])
      .describe('Nanoseconds since the epoch as the device stamped it: a number when it is a safe integer, else a decimal string.'),
    prefix: z.string().describe('gNMI string form (/a/b[k=v], origin:/a); empty when there is none.'),
    updates: z.array(
      z
        .object({
          path: z.string().describe('Relative to the prefix when there is one, else absolute.'),
          value: jsonValueSchema.describe('JSON value; 64-bit integers beyond 2^53 as decimal strings; bytes as base64.'),
        })
        .loose(),
    ),
    deletes: z.array(z.string()),
  })
  // Loose: within version 1 fields may be added, and consumers must ignore what they do not know.
  .loose()
  .describe('One NATS message on telemetry.<device>.<subscription>: one gNMI Notification or one NETCONF reply/notification.');

export type TelemetryMessage = z.infer<typeof telemetryMessageSchema>;
