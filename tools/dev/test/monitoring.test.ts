import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { createTopology } from '@switch-telemetry/bus';
import { deleteNamespace, freePort, natsTestUrl, uniqueNamespace, withTestBus } from '@switch-telemetry/bus/testing';
import { createTestDatabase, type TestDatabase } from '@switch-telemetry/db/testing';
import { spawnApp, type SpawnedApp } from '@switch-telemetry/service/testing';
import { PromqlNamesError, exposedMetricNames, promqlMetricNames, variableQueryMetricNames } from '../src/promql';

// k8s/monitoring holds a Grafana dashboard and alert rules over the apps'
// /metrics. This file keeps them true: every metric they read must be one
// that one of the four apps, started for real, exports.

const ROOT = resolve(__dirname, '..', '..', '..');
const MONITORING = resolve(ROOT, 'k8s', 'monitoring');
const APPS = ['ingress', 'collector', 'discovery', 'notifier'] as const;
type App = (typeof APPS)[number];
/** Series Prometheus writes itself for every target, not exported by anyone. */
const PROMETHEUS_OWN = new Set(['up']);
const START_TIMEOUT_MS = 25_000;

interface Target {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  gridPos?: { h: number; w: number; x: number; y: number };
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query?: string };
  datasource?: { type?: string; uid?: string };
}
interface Dashboard {
  __inputs?: Array<{ name: string; type: string; pluginId: string }>;
  uid?: string;
  title?: string;
  templating?: { list: Variable[] };
  panels: Panel[];
}
interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleGroup {
  name: string;
  rules: Rule[];
}

const dashboard = JSON.parse(readFileSync(resolve(MONITORING, 'grafana-dashboard.json'), 'utf8')) as Dashboard;
const plainRules = parse(readFileSync(resolve(MONITORING, 'alert-rules.yml'), 'utf8')) as { groups: RuleGroup[] };
const prometheusRule = parse(readFileSync(resolve(MONITORING, 'prometheus-rule.yaml'), 'utf8')) as {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; labels?: Record<string, string> };
  spec: { groups: RuleGroup[] };
};

/** Every panel, rows' own panels included (a collapsed row keeps its panels inside it). */
function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

const panels = allPanels(dashboard.panels).filter((p) => p.type !== 'row');
const variables = dashboard.templating?.list ?? [];
const variableQuery = (v: Variable) => (typeof v.query === 'string' ? v.query : (v.query?.query ?? ''));
const rules = plainRules.groups.flatMap((g) => g.rules);

/** Each expression's metric names that `exported` lacks, as "name (in: expr)". */
function unexported(exprs: Array<{ where: string; names: string[] }>, exported: ReadonlySet<string>): string[] {
  return exprs.flatMap(({ where, names }) => names.filter((n) => !exported.has(n) && !PROMETHEUS_OWN.has(n)).map((n) => `${n} (${where})`));
}

const dashboardExprs = () => [
  ...panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, names: promqlMetricNames(t.expr ?? '') })),
  ),
  ...variables
    .filter((v) => v.type === 'query')
    .map((v) => ({ where: `variable ${v.name}`, names: variableQueryMetricNames(variableQuery(v)) })),
];
const ruleExprs = () => rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, names: promqlMetricNames(r.expr) }));

describe('metric names in PromQL', () => {
  it('takes the metrics and leaves out functions, keywords, labels, durations, numbers, strings and variables', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket{app="ingress", route=~"$r|x"}[$__rate_interval])))',
      ),
    ).toEqual(['http_request_duration_seconds_bucket']);
    expect(promqlMetricNames('sum by (namespace) (a_total{state!="synced"}) / sum by (namespace) (a_total) > 0.1')).toEqual(['a_total']);
    expect(promqlMetricNames('max(b) without (pod) != count by (ns) (c == 1) and on (ns) ignoring () group_left (x) d')).toEqual([
      'b',
      'c',
      'd',
    ]);
    expect(promqlMetricNames('rate(x[5m] offset 1h30m) > bool 1e3 or up{job=~"ingress|collector"} == 0 unless vector(0)')).toEqual([
      'up',
      'x',
    ]);
    expect(promqlMetricNames('absent(collector_heartbeat_fresh == 1)')).toEqual(['collector_heartbeat_fresh']);
    expect(promqlMetricNames('sum(increase(jobs_total{a="sum(by)"}[15m:1m])) # rate(not_a_metric)')).toEqual(['jobs_total']);
  });

  it('refuses what it cannot read instead of guessing', () => {
    expect(() => promqlMetricNames('sum(rat(x[5m]))')).toThrow(PromqlNamesError);
    expect(() => promqlMetricNames('sum(rate(x[5m])')).toThrow(PromqlNamesError);
    expect(() => promqlMetricNames('rate + x')).toThrow(PromqlNamesError);
  });

  it('reads Grafana variable queries', () => {
    expect(variableQueryMetricNames('label_values(process_start_time_seconds{app=~"a|b", ns=~"$ns"}, instance)')).toEqual([
      'process_start_time_seconds',
    ]);
    expect(variableQueryMetricNames('label_values(namespace)')).toEqual([]);
    expect(variableQueryMetricNames('query_result(topk(3, sum by (x) (y)))')).toEqual(['y']);
  });

  it('names what an exposition defines, with the series of histograms and summaries', () => {
    const names = exposedMetricNames(
      [
        '# HELP h_seconds x',
        '# TYPE h_seconds histogram',
        '# HELP s_seconds x',
        '# TYPE s_seconds summary',
        '# TYPE c_total counter',
        'c_total{app="a"} 1',
        'g 2',
      ].join('\n'),
    );
    expect([...names].sort()).toEqual(
      [
        'c_total',
        'g',
        'h_seconds',
        'h_seconds_bucket',
        'h_seconds_count',
        'h_seconds_sum',
        's_seconds',
        's_seconds_count',
        's_seconds_sum',
      ].sort(),
    );
  });
});

describe('k8s/monitoring files', () => {
  it('the dashboard is importable: a Prometheus input, a uid and title, a datasource variable every panel and query uses', () => {
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dashboard.title).toBe('SwitchTelemetry');
    expect(variables.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const v of variables.filter((x) => x.type === 'query')) expect(v.datasource?.uid).toBe('${datasource}');
    expect(panels.length).toBeGreaterThan(10);
    const ids = allPanels(dashboard.panels).map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of panels) {
      const what = `panel "${p.title}"`;
      expect([what, p.datasource]).toEqual([what, { type: 'prometheus', uid: '${datasource}' }]);
      expect([what, p.gridPos]).toEqual([what, expect.objectContaining({ h: expect.any(Number), w: expect.any(Number) })]);
      expect([what, p.targets?.length]).toEqual([what, expect.any(Number)]);
      expect([what, p.targets!.length > 0]).toEqual([what, true]);
      for (const t of p.targets!) {
        expect([what, t.expr?.trim() ? 'expr' : 'no expr', t.datasource]).toEqual([
          what,
          'expr',
          { type: 'prometheus', uid: '${datasource}' },
        ]);
      }
      const refIds = p.targets!.map((t) => t.refId);
      expect([what, new Set(refIds).size]).toEqual([what, refIds.length]);
    }
  });

  it('the PrometheusRule and the plain rules file hold the same rules', () => {
    expect(prometheusRule).toMatchObject({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'switch-telemetry' },
    });
    expect(prometheusRule.spec.groups).toEqual(plainRules.groups);
    const names = (groups: RuleGroup[]) => groups.flatMap((g) => g.rules.map((r) => [r.alert, r.expr]));
    expect(names(prometheusRule.spec.groups)).toEqual(names(plainRules.groups));
  });

  it('every rule is an alert with a severity, a summary and a description; names are unique', () => {
    expect(rules.length).toBeGreaterThan(5);
    for (const r of rules) {
      expect([r.alert, r.labels?.severity]).toEqual([
        expect.stringMatching(/^[A-Z][A-Za-z]+$/),
        expect.stringMatching(/^(critical|warning|info)$/),
      ]);
      expect([r.alert, r.annotations?.summary?.length, r.annotations?.description?.length]).toEqual([
        r.alert,
        expect.any(Number),
        expect.any(Number),
      ]);
      if (r.for !== undefined) expect([r.alert, r.for]).toEqual([r.alert, expect.stringMatching(/^\d+[smh]$/)]);
    }
    const alerts = rules.map((r) => r.alert);
    expect(new Set(alerts).size).toBe(alerts.length);
  });
});

describe('the metrics the dashboard and the rules read, against the four apps running', () => {
  const namespace = uniqueNamespace('monitor');
  let db: TestDatabase;
  const procs = new Map<App, SpawnedApp>();
  const exported = new Map<App, Set<string>>();

  beforeAll(async () => {
    db = await createTestDatabase();
    // All four at once on one NATS namespace and one database, as deployed.
    await Promise.all(
      APPS.map(async (app) => {
        const port = await freePort();
        const opsPort = app === 'ingress' ? await freePort() : port;
        const proc = spawnApp(resolve(ROOT, 'apps', app, 'src', 'main.ts'), {
          NATS_URL: natsTestUrl(),
          NATS_NAMESPACE: namespace,
          DATABASE_URL: db.url,
          HTTP_HOST: '127.0.0.1',
          HTTP_PORT: String(port),
          ...(app === 'ingress' ? { OPS_PORT: String(opsPort) } : {}),
          LOG_LEVEL: 'warn',
        });
        procs.set(app, proc);
        await proc.waitFor(`http://127.0.0.1:${opsPort}/readyz`, 200, START_TIMEOUT_MS);
        const res = await fetch(`http://127.0.0.1:${opsPort}/metrics`);
        expect(res.status).toBe(200);
        exported.set(app, exposedMetricNames(await res.text()));
      }),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(
      [...procs.values()].map(async (proc) => {
        proc.child.kill('SIGTERM');
        const killer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
        await proc.exited;
        clearTimeout(killer);
      }),
    );
    await db?.drop();
    const bus = await withTestBus('monitoring-cleanup');
    await deleteNamespace(bus, createTopology({ namespace }));
    await bus.close();
  }, 30_000);

  const union = () => new Set([...exported.values()].flatMap((names) => [...names]));

  it('each app exports its own series beside the shared ones', () => {
    const has = (app: App, name: string) => exported.get(app)!.has(name);
    for (const app of APPS) {
      for (const shared of ['process_start_time_seconds', 'dependency_up', 'jobs_queue_depth', 'http_client_breakers']) {
        expect([app, shared, has(app, shared)]).toEqual([app, shared, true]);
      }
    }
    expect(has('collector', 'collector_sessions') && has('collector', 'collector_heartbeat_fresh')).toBe(true);
    expect(has('ingress', 'http_requests_total') && has('ingress', 'webhook_deliveries_total')).toBe(true);
    expect(has('discovery', 'webhook_deliveries_total')).toBe(true);
    expect(APPS.filter((app) => app !== 'collector' && has(app, 'collector_sessions'))).toEqual([]);
  });

  it('every metric of the dashboard is exported by an app', () => {
    expect(unexported(dashboardExprs(), union())).toEqual([]);
  });

  it('every metric of the alert rules is exported by an app (or is Prometheus’s own `up`)', () => {
    expect(unexported(ruleExprs(), union())).toEqual([]);
  });

  it('would catch a metric nobody exports', () => {
    const synthetic = [
      { where: 'typo', names: promqlMetricNames('sum by (reason) (rate(collector_messages_droped_total{app="collector"}[5m]))') },
      { where: 'not written yet', names: promqlMetricNames('sum(notifier_endpoints_disabled) > 0 and up == 1') },
      {
        where: 'real',
        names: promqlMetricNames('histogram_quantile(0.99, sum by (le) (rate(collector_publish_latency_seconds_bucket[5m])))'),
      },
    ];
    expect(unexported(synthetic, union())).toEqual([
      'collector_messages_droped_total (typo)',
      'notifier_endpoints_disabled (not written yet)',
    ]);
  });
});
