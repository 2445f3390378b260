import type { Subscription, SubscriptionProfile } from '@switch-telemetry/contracts';
import { API_FLAGS_USAGE, context, enc, parse, readDeviceFile, subscriptionColumns, type CommandIo } from './api-commands';
import { CliError, EXIT } from './exit';
import { ago, writeRows } from './output';

export const PROFILES_USAGE = `usage: switchctl profiles <command> [options]
  list                                   subscription profiles, their versions and how many devices name them
  get NAME                               one profile's subscriptions
  put NAME -f FILE [--if-version N]      create or replace a profile from YAML or JSON ({description, subscriptions});
                                         every device that names it changes what it collects (--if-version: only if unchanged since)
  rm NAME                                delete a profile no device names
${API_FLAGS_USAGE}`;

export async function profilesCommand(argv: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, { file: { type: 'string', short: 'f' }, 'if-version': { type: 'string' } });
  const help = values.help || sub === 'help' || sub === '--help' || sub === '-h';
  if (help || sub === undefined || sub.startsWith('-')) {
    io.out(PROFILES_USAGE);
    return help ? EXIT.OK : EXIT.USAGE;
  }
  const ctx = context(values, io);
  const one = (what: string) => {
    if (positionals.length !== 1) throw new CliError(EXIT.USAGE, `profiles ${what} takes one profile name`);
    return positionals[0]!;
  };
  switch (sub) {
    case 'list': {
      const { profiles } = await ctx.api.get<{ profiles: SubscriptionProfile[] }>('/v1/subscription-profiles');
      writeRows(ctx.out, ctx.mode, profiles, [
        { header: 'name', value: (p) => p.name },
        { header: 'version', value: (p) => String(p.version) },
        { header: 'devices', value: (p) => String(p.devices) },
        { header: 'subscriptions', value: (p) => p.subscriptions.map((s) => s.name).join(',') || '-' },
        { header: 'changed', value: (p) => ago(p.updated_at) },
        { header: 'description', value: (p) => p.description.slice(0, 60) },
      ]);
      return EXIT.OK;
    }
    case 'get': {
      const profile = await ctx.api.get<SubscriptionProfile>(`/v1/subscription-profiles/${enc(one('get'))}`);
      if (ctx.mode === 'json') ctx.out(JSON.stringify(profile));
      else {
        ctx.out(
          `${profile.name} version ${profile.version}, named by ${profile.devices} devices${profile.description ? `: ${profile.description}` : ''}`,
        );
        writeRows(ctx.out, ctx.mode, profile.subscriptions as Subscription[], subscriptionColumns);
      }
      return EXIT.OK;
    }
    case 'put': {
      const name = one('put');
      if (values.file === undefined) throw new CliError(EXIT.USAGE, 'profiles put needs -f FILE');
      const version = values['if-version'];
      if (version !== undefined && !/^\d{1,9}$/.test(version)) throw new CliError(EXIT.USAGE, '--if-version must be a version number');
      const { body } = await ctx.api.request<SubscriptionProfile & { devices_told: number }>(
        'PUT',
        `/v1/subscription-profiles/${enc(name)}`,
        readDeviceFile(values.file),
        version === undefined ? {} : { 'if-match': `"${version}"` },
      );
      ctx.out(
        ctx.mode === 'json'
          ? JSON.stringify(body)
          : `${body.name} is at version ${body.version}; ${body.devices_told} devices told to change their subscriptions`,
      );
      return EXIT.OK;
    }
    case 'rm': {
      const name = one('rm');
      await ctx.api.request('DELETE', `/v1/subscription-profiles/${enc(name)}`);
      ctx.out(ctx.mode === 'json' ? JSON.stringify({ name, deleted: true }) : `deleted ${name}`);
      return EXIT.OK;
    }
    default:
      throw new CliError(EXIT.USAGE, `profiles ${sub}: no such command\n${PROFILES_USAGE}`);
  }
}

export const NETBOX_USAGE = `usage: switchctl netbox <command> SOURCE [options]
  syncs SOURCE [--limit N]               the source's listings pulled, newest first: counts, duration, errors
  objects SOURCE [--state unmonitorable|excluded|monitored]   NetBox devices as we see them, with the reason
  sync SOURCE                            pull the listing now
${API_FLAGS_USAGE}`;

interface SyncOut {
  id: string;
  started_at: string;
  duration_ms: number;
  outcome: string;
  counts: Record<string, number>;
  error: string | null;
}

export async function netboxCommand(argv: string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, { limit: { type: 'string' }, state: { type: 'string' } });
  const help = values.help || sub === 'help' || sub === '--help' || sub === '-h';
  if (help || sub === undefined || sub.startsWith('-')) {
    io.out(NETBOX_USAGE);
    return help ? EXIT.OK : EXIT.USAGE;
  }
  const ctx = context(values, io);
  if (positionals.length !== 1) throw new CliError(EXIT.USAGE, `netbox ${sub} takes one source name`);
  const source = enc(positionals[0]!);
  switch (sub) {
    case 'syncs': {
      const { syncs } = await ctx.api.get<{ syncs: SyncOut[] }>(`/v1/netbox/${source}/syncs?limit=${enc(values.limit ?? '20')}`);
      writeRows(ctx.out, ctx.mode, syncs, [
        { header: 'started', value: (s) => ago(s.started_at) },
        { header: 'outcome', value: (s) => s.outcome },
        { header: 'ms', value: (s) => String(s.duration_ms) },
        {
          header: 'listed/created/updated/disabled/removed',
          value: (s) => ['listed', 'created', 'updated', 'disabled', 'removed'].map((k) => s.counts[k] ?? 0).join('/'),
        },
        { header: 'unmonitorable', value: (s) => String(s.counts.unmonitorable ?? 0) },
        { header: 'error', value: (s) => (s.error ?? '').slice(0, 100) },
      ]);
      return EXIT.OK;
    }
    case 'objects': {
      const query = new URLSearchParams({ limit: '500' });
      if (values.state) query.set('state', values.state);
      const { objects } = await ctx.api.get<{
        objects: Array<{ object_id: number; name: string; device_id: string; state: string; reason: string | null }>;
      }>(`/v1/netbox/${source}/objects?${query}`);
      writeRows(ctx.out, ctx.mode, objects, [
        { header: 'netbox id', value: (o) => String(o.object_id) },
        { header: 'name', value: (o) => o.name },
        { header: 'device', value: (o) => o.device_id },
        { header: 'state', value: (o) => o.state },
        { header: 'reason', value: (o) => o.reason ?? '' },
      ]);
      return EXIT.OK;
    }
    case 'sync': {
      const { body } = await ctx.api.request<{ id: string; duplicate: boolean }>('POST', `/v1/netbox/${source}/sync`);
      ctx.out(ctx.mode === 'json' ? JSON.stringify(body) : `sync enqueued as ${body.id}${body.duplicate ? ' (already enqueued)' : ''}`);
      return EXIT.OK;
    }
    default:
      throw new CliError(EXIT.USAGE, `netbox ${sub}: no such command\n${NETBOX_USAGE}`);
  }
}
