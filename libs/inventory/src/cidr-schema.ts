import { z } from 'zod';
import { normalizeCidr } from './cidr';

/** A subnet to scan, validated and normalised (`10.0.0.7/24` → `10.0.0.0/24`). */
export const cidrSchema = z.string().transform((value, ctx) => {
  try {
    return normalizeCidr(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});
