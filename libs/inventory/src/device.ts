import { z } from 'zod';
import { normalizeCidr } from './cidr';

// The device record crosses services (device events carry it): its schema is a contract.
export {
  MAX_PATHS_PER_SUBSCRIPTION,
  MAX_SUBSCRIPTIONS,
  MAX_TAGS,
  PROTOCOLS,
  PROTOCOL_MODES,
  SUBSCRIPTION_MODES,
  credentialNameSchema,
  deviceIdSchema,
  deviceInputSchema,
  devicePatchSchema,
  deviceReplaceSchema,
  deviceSchema,
  hostKeySchema,
  subscriptionSchema,
  tlsSchema,
  type Device,
  type DeviceInput,
  type DevicePatch,
  type Subscription,
} from '@switch-telemetry/contracts';

/** A subnet to scan, validated and normalised (`10.0.0.7/24` → `10.0.0.0/24`). */
export const cidrSchema = z.string().transform((value, ctx) => {
  try {
    return normalizeCidr(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
