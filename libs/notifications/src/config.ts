import { z } from '@switch-telemetry/config';
import { AddressPolicy } from './address-guard';

/**
 * `NOTIFIER_ALLOWED_HOSTS`: the operator's allow-list of webhook hosts that
 * may resolve to addresses the guard refuses otherwise (host names,
 * `*.domain`, IP addresses, CIDRs; commas or spaces between). A bad entry is
 * a configuration error naming it. Read by the notifier, and by the ingress
 * to refuse a URL at once when it names a refused address.
 */
export function allowedHostsVariable() {
  return z
    .string()
    .default('')
    .superRefine((value, ctx) => {
      try {
        AddressPolicy.fromList(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    });
}
