import { durationMs, jsonOf, z } from '@switch-telemetry/config';
import { parseSubnet } from '@switch-telemetry/scanning';
import { MAX_PROFILES, PROTOCOLS, credentialNameSchema, hostKeySchema, profileNameSchema, tlsSchema } from '@switch-telemetry/contracts';

/** A NetBox slug (platform, tag, role, site). */
const slugSchema = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, { message: 'must be a NetBox slug: 1-100 of A-Z a-z 0-9 _ -' });
const customFieldName = z.string().regex(/^[a-z0-9_]{1,50}$/, { message: 'must be a NetBox custom field name: 1-50 of a-z 0-9 _' });

/** How devices of one NetBox platform are collected. */
export const netboxPlatformSchema = z
  .object({
    protocol: z.enum(PROTOCOLS),
    /** Default: 57400 for gNMI, 830 for NETCONF. */
    port: z.number().int().min(1).max(65_535).optional(),
    /** The named credentials (a custom field may name others per device). */
    credentials: credentialNameSchema.optional(),
    /** Profiles every device of the platform runs, before the device's own. */
    profiles: z.array(profileNameSchema).max(MAX_PROFILES).default([]),
    tls: tlsSchema.optional(),
    host_key: hostKeySchema.optional(),
  })
  .strict();
export type NetboxPlatform = z.infer<typeof netboxPlatformSchema>;

export const DEFAULT_PORTS = { gnmi: 57_400, netconf: 830 } as const;

/**
 * One NetBox (or Nautobot) instance: where it is, which of its devices are
 * monitored, and how a device of it becomes one of ours.
 */
export const netboxSourceSchema = z
  .object({
    /** Also the webhook source's name (POST /v1/webhooks/<name>, scheme `netbox`); devices get `source: netbox:<name>`. */
    name: z.string().regex(/^[a-z0-9_-]{1,48}$/, { message: 'must be 1-48 of a-z 0-9 _ -' }),
    /** The instance's base URL (https://netbox.example.com); the API is under /api/. */
    url: z.url({ protocol: /^https?$/ }).refine((u) => !new URL(u).username && !new URL(u).password, {
      message: 'must not carry credentials (the token goes in NETBOX_TOKENS)',
    }),
    /** Let the token travel over plain http (a lab); https otherwise. */
    insecure_http: z.boolean().default(false),
    /**
     * The only subnets a device of this source may be at (required): whoever
     * edits a device in NetBox chooses where the collector sends its
     * credentials. Loopback, link-local (cloud metadata) and multicast
     * addresses only inside an entry that lies in that range itself.
     */
    allowed_subnets: z
      .array(z.string().refine((cidr) => parseSubnet(cidr) !== undefined, { message: 'must be a CIDR (10.0.0.0/8, 2001:db8::/32)' }))
      .min(1)
      .max(256),
    /** Which devices are monitored; all of these must hold. */
    select: z
      .object({
        /** status.value among these (default active). */
        statuses: z.array(z.string().min(1).max(50)).min(1).default(['active']),
        /** Every one of these tag slugs. */
        tags: z.array(slugSchema).max(16).default([]),
        /** One of these role slugs, when given. */
        roles: z.array(slugSchema).max(256).optional(),
        /** One of these site slugs, when given. */
        sites: z.array(slugSchema).max(1_024).optional(),
        /** A custom field equal to a value (a boolean "monitored" field, say). */
        custom_field: z
          .object({ name: customFieldName, equals: z.union([z.string(), z.number(), z.boolean()]) })
          .strict()
          .optional(),
      })
      .strict()
      .default({ statuses: ['active'], tags: [] }),
    /** By platform slug; a device whose platform is not here (or null) uses default_platform, else it is unmonitorable. */
    platforms: z.record(slugSchema, netboxPlatformSchema).default({}),
    default_platform: netboxPlatformSchema.optional(),
    /** Which primary address is used when a device has both. */
    address: z.enum(['ipv4-first', 'ipv6-first']).default('ipv4-first'),
    /** A custom field naming profiles (a list, or names separated by commas). */
    profiles_field: customFieldName.optional(),
    /** Tags whose slug starts with this name a profile: `telemetry-profile-bgp` → `bgp`. */
    profile_tag_prefix: slugSchema.optional(),
    /** A custom field naming the device's credentials (overrides the platform's); only names in allowed_credentials are taken. */
    credentials_field: customFieldName.optional(),
    allowed_credentials: z.array(credentialNameSchema).max(256).default([]),
    /** What happens to a device that stops being selected (status, tag, role...): kept disabled, or removed. */
    on_leave: z.enum(['disable', 'delete']).default('disable'),
    /** When the listing is pulled (cron, UTC). */
    sync_cron: z.string().min(9).default('*/15 * * * *'),
    /** Devices per listing page (NetBox's MAX_PAGE_SIZE is 1000 by default). */
    page_size: z.number().int().min(1).max(1_000).default(1_000),
    /** Query parameters that narrow the listing on NetBox's side ({"site": ["dc1", "dc2"]}). */
    list_filters: z
      .record(z.string().regex(/^[a-z0-9_]{1,50}$/), z.union([z.string().max(200), z.array(z.string().max(200)).max(64)]))
      .default({}),
    /**
     * A sync that would disable or remove more than this share of the
     * source's devices is refused (an emptied listing, a filter gone wrong);
     * an empty listing is refused whenever the source has devices.
     */
    max_removal_fraction: z.number().min(0).max(1).default(0.5),
    /** A listing of more devices than this is refused (it is read whole and applied in one transaction). */
    max_devices: z.number().int().min(1).max(200_000).default(50_000),
  })
  .strict()
  .refine((s) => s.insecure_http || new URL(s.url).protocol === 'https:', {
    message: 'must be https (the API token travels with every page), or set insecure_http',
    path: ['url'],
  })
  .refine((s) => !s.credentials_field || s.allowed_credentials.length > 0, {
    message: 'credentials_field needs allowed_credentials: the credential names a NetBox user may choose',
    path: ['allowed_credentials'],
  });
export type NetboxSource = z.infer<typeof netboxSourceSchema>;

/** The variables of the NetBox integration (read by the discovery app, where the webhook worker and the sync run). */
export const netboxConfigShape = {
  /** The NetBox sources and their mappings (JSON list; see netboxSourceSchema). */
  NETBOX_SOURCES: jsonOf(
    z
      .array(netboxSourceSchema)
      .max(32)
      .refine((list) => new Set(list.map((s) => s.name)).size === list.length, { message: 'source names must be unique' }),
  ).default([]),
  /** API tokens by source name, {"dc1": "<token>"}; usually NETBOX_TOKENS_FILE (a mounted Secret). */
  NETBOX_TOKENS: jsonOf(z.record(z.string(), z.string().min(8).max(256))).default({}),
  /** How long one listing page may take, retries included. */
  NETBOX_PAGE_DEADLINE_MS: durationMs(60_000),
};
