import { integer, z } from '@switch-telemetry/config';
import { DEFAULT_MAX_PREFIX_V4, DEFAULT_MAX_PREFIX_V6, SubnetPolicy } from './targets';

/**
 * The variables of what a scan may cover, read by the discovery (which scans) and the ingress (which refuses a
 * request at once, naming the limit or the list).
 */
export const subnetPolicyShape = {
  /** When set, only subnets inside these may be scanned (CIDRs, commas between); loopback and link-local only when listed. */
  DISCOVERY_ALLOWED_SUBNETS: z
    .string()
    .default('')
    .superRefine((value, ctx) => {
      try {
        new SubnetPolicy({ allowed: SubnetPolicy.allowedFromList(value) });
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  /** The widest scan allowed (a prefix length): /16 and /112 at most, narrower when set. */
  DISCOVERY_MAX_PREFIX_V4: integer(DEFAULT_MAX_PREFIX_V4, DEFAULT_MAX_PREFIX_V4, 32),
  DISCOVERY_MAX_PREFIX_V6: integer(DEFAULT_MAX_PREFIX_V6, DEFAULT_MAX_PREFIX_V6, 128),
};

/** The policy those variables describe. */
export function subnetPolicyFrom(config: {
  DISCOVERY_ALLOWED_SUBNETS: string;
  DISCOVERY_MAX_PREFIX_V4: number;
  DISCOVERY_MAX_PREFIX_V6: number;
}) {
  return new SubnetPolicy({
    allowed: SubnetPolicy.allowedFromList(config.DISCOVERY_ALLOWED_SUBNETS),
    maxPrefixV4: config.DISCOVERY_MAX_PREFIX_V4,
    maxPrefixV6: config.DISCOVERY_MAX_PREFIX_V6,
  });
}
