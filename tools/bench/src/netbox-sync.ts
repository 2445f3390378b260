// The NetBox pull reconciliation: 10,000 devices in pages of 1,000 from the NetBox stand-in (real HTTP on
// loopback), read, mapped and applied by the netbox-sync worker into a fresh database (devices, their
// subscriptions, change marks, the NetBox objects and one device event each in the outbox, one
// transaction). Then the same listing again: it must write nothing and announce nothing. The baseline,
// in the same run: the same pages fetched with bare undici and written with one multi-row
// INSERT ... ON CONFLICT per page into a table of the same columns.
import { createTopology } from '@switch-telemetry/bus';
import { createTestDatabase } from '@switch-telemetry/db/testing';
import { HttpClient } from '@switch-telemetry/http-client';
import type { JobContext } from '@switch-telemetry/jobs';
import { createLogger } from '@switch-telemetry/logging';
import { NetboxStore, netboxSourceSchema, netboxSyncWorker } from '@switch-telemetry/netbox';
import { netboxDevices, startNetboxStandIn } from '@switch-telemetry/netbox/testing';
import { Registry } from 'prom-client';
import { request } from 'undici';
import { round } from './measure';

const DEVICES = 10_000;
const PAGE = 1_000;
const TOKEN = 'bench-netbox-token-0123456789';
const log = createLogger({ app: 'bench-netbox', level: 'warn' });
const TABLES = ['devices', 'device_subscriptions', 'device_change_marks', 'netbox_objects', 'outbox'];

export async function netboxSyncBench(): Promise<Record<string, unknown>> {
  const netbox = await startNetboxStandIn({ token: TOKEN, host: '127.77.9.1', devices: netboxDevices(DEVICES), maxPageSize: PAGE });
  const db = await createTestDatabase();
  const http = new HttpClient({ log, maxResponseBytes: 64 * 1_048_576, deadlineMs: 60_000, receiveTimeoutMs: 30_000 });
  try {
    const source = netboxSourceSchema.parse({
      name: 'bench',
      url: netbox.url,
      insecure_http: true,
      allowed_subnets: ['10.0.0.0/8'],
      select: { statuses: ['active'], tags: ['telemetry'] },
      platforms: { eos: { protocol: 'gnmi', credentials: 'lab' } },
      page_size: PAGE,
    });
    const worker = netboxSyncWorker({
      pool: db.pool,
      topology: createTopology({ namespace: 'bench_netbox' }),
      http,
      sources: new Map([[source.name, source]]),
      tokens: { [source.name]: TOKEN },
      pageDeadlineMs: 60_000,
      registry: new Registry(),
    });
    let n = 0;
    const ctx = (): JobContext => ({
      id: `bench-${(n += 1)}`,
      attempt: 1,
      maxAttempts: 1,
      signal: new AbortController().signal,
      log,
      working: () => undefined,
    });
    const store = new NetboxStore(db.pool);

    // Baseline: bare fetch of the same pages, one multi-row upsert per page.
    await db.pool
      .query(`CREATE TABLE baseline_devices (id text PRIMARY KEY, name text NOT NULL, address text NOT NULL, port integer NOT NULL,
      platform text, site text, status text, tags jsonb NOT NULL)`);
    const baselineStart = performance.now();
    for (let offset = 0; offset < DEVICES; offset += PAGE) {
      const res = await request(`${netbox.url}/api/dcim/devices/?limit=${PAGE}&offset=${offset}`, {
        headers: { authorization: `Token ${TOKEN}` },
      });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const page = (await res.body.json()) as { results: Array<Record<string, any>> };
      const rows = page.results.map((d) => ({
        id: `nb-${d.id}`,
        name: d.name,
        address: String(d.primary_ip4?.address ?? '').split('/')[0],
        port: 57400,
        platform: d.platform?.slug ?? null,
        site: d.site?.slug ?? null,
        status: d.status?.value ?? null,
        tags: Object.fromEntries((d.tags as Array<{ slug: string }>).map((t) => [t.slug, ''])),
      }));
      await db.pool.query(
        `INSERT INTO baseline_devices SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id text, name text, address text, port integer,
           platform text, site text, status text, tags jsonb)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address, port = EXCLUDED.port, platform = EXCLUDED.platform,
           site = EXCLUDED.site, status = EXCLUDED.status, tags = EXCLUDED.tags`,
        [JSON.stringify(rows)],
      );
    }
    const baselineMs = performance.now() - baselineStart;

    // The first sync: everything created.
    const firstStart = performance.now();
    const first = await worker({ source: source.name }, ctx());
    const firstMs = performance.now() - firstStart;
    if (first !== undefined) throw new Error(`the first sync did not apply: ${JSON.stringify(first)}`);
    const firstCounts = (await store.syncs(source.name, { limit: 1 }))[0]!.counts;
    const outboxAfterFirst = await count(db.pool, 'outbox');

    // The same listing again: nothing may be written or announced.
    const xid = (await db.pool.query<{ x: string }>('SELECT txid_current()::text AS x')).rows[0]!.x;
    const rowsBefore = await totalRows(db.pool);
    const againStart = performance.now();
    await worker({ source: source.name }, ctx());
    const againMs = performance.now() - againStart;
    const written = await writtenSince(db.pool, xid);
    const rowsAfter = await totalRows(db.pool);
    const events = (await count(db.pool, 'outbox')) - outboxAfterFirst;

    const value = (DEVICES / firstMs) * 1_000;
    const baseline = (DEVICES / baselineMs) * 1_000;
    return {
      value: round(value),
      unit: 'devices reconciled/s (first sync)',
      baseline: round(baseline),
      ratio: round(value / baseline, 2),
      devices: DEVICES,
      page_size: PAGE,
      created: firstCounts.created,
      first_sync_ms: round(firstMs),
      baseline_ms: round(baselineMs),
      resync_ms: round(againMs),
      resync_rows_written: written + Math.abs(rowsAfter - rowsBefore),
      resync_events: events,
    };
  } finally {
    await http.close();
    await netbox.close();
    await db.drop();
  }
}

async function count(pool: { query: (q: string) => Promise<{ rows: Array<{ n: string }> }> }, table: string): Promise<number> {
  return Number((await pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
}

async function totalRows(pool: Parameters<typeof count>[0]): Promise<number> {
  let total = 0;
  for (const t of TABLES) total += await count(pool, t);
  return total;
}

/** Rows of the inventory tables inserted or updated by transactions after `xid`. */
async function writtenSince(
  pool: { query: (q: string, p: unknown[]) => Promise<{ rows: Array<{ n: string }> }> },
  xid: string,
): Promise<number> {
  let total = 0;
  for (const t of TABLES) {
    total += Number((await pool.query(`SELECT count(*) AS n FROM ${t} WHERE xmin::text::bigint > $1::bigint`, [xid])).rows[0]!.n);
  }
  return total;
}
