import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { posix, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { createTopology } from '@switch-telemetry/bus';
import { loadConfig, z, type Env } from '@switch-telemetry/config';
import { QUEUES } from '@switch-telemetry/contracts';
import { discoveryScanJob, webhookProcessJob } from '@switch-telemetry/inventory';
import { queueConsumerName } from '@switch-telemetry/jobs';
import { webhookDeliverJob } from '@switch-telemetry/notifications';
import { DEFAULT_GNMI_PORTS, DEFAULT_NETCONF_PORTS } from '@switch-telemetry/scanning';
import { serviceConfigShape } from '@switch-telemetry/service';
// The apps' configuration shapes are what the manifests must satisfy; only this test reads them from outside the apps.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { COLLECTOR_HTTP_PORT, collectorConfigShape } from '@switch-telemetry/collector/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { DISCOVERY_HTTP_PORT, discoveryConfigShape } from '@switch-telemetry/discovery/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { INGRESS_HTTP_PORT, ingressConfigShape } from '@switch-telemetry/ingress/src/config';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { NOTIFIER_HTTP_PORT, notifierConfigShape } from '@switch-telemetry/notifier/src/config';
import { stackConfigSchema } from '../src/preflight';

// k8s/ holds the Kustomize base and the dev and prod overlays. This file
// renders each with `kubectl kustomize` (offline) and holds the result to the
// Kubernetes schemas and to the code: every variable set is one the app reads,
// the probes ask the port the app serves them on, secrets arrive as files, the
// KEDA triggers name the jobs runtime's consumers.

const ROOT = resolve(__dirname, '..', '..', '..');
const K8S = resolve(ROOT, 'k8s');
const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const IMAGE = 'ghcr.io/switch-telemetry/switch-telemetry';
const UID = 10001;
const TARGETS = ['base', 'overlays/dev', 'overlays/prod'] as const;
type Target = (typeof TARGETS)[number];

// ---------------------------------------------------------------------------
// The parts of the Kubernetes objects the checks read.

type Labels = Record<string, string>;
interface Meta {
  name: string;
  namespace?: string;
  labels?: Labels;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  spec?: unknown;
  data?: Record<string, string>;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: unknown; fieldRef?: unknown };
}
interface Probe {
  httpGet?: { path?: string; port: number | string };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  fsGroup?: number;
  readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}
interface Volume {
  name: string;
  emptyDir?: unknown;
  secret?: { secretName: string; items?: Array<{ key: string; path: string }>; optional?: boolean };
  configMap?: { name: string; optional?: boolean };
  persistentVolumeClaim?: unknown;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  securityContext?: SecurityContext;
  enableServiceLinks?: boolean;
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  terminationGracePeriodSeconds?: number;
  topologySpreadConstraints?: Array<{ topologyKey: string; labelSelector?: Selector }>;
}
interface Selector {
  matchLabels?: Labels;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}
interface WorkloadSpec {
  replicas?: number;
  selector?: Selector;
  template: { metadata?: { labels?: Labels }; spec: PodSpec };
  volumeClaimTemplates?: Array<{ metadata: { name: string } }>;
  backoffLimit?: number;
  ttlSecondsAfterFinished?: number;
}
interface Workload extends K8sObject {
  spec: WorkloadSpec;
}
interface ServicePortSpec {
  name?: string;
  port: number;
  targetPort?: number | string;
}
interface PolicyPeer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface PolicyRule {
  from?: PolicyPeer[];
  to?: PolicyPeer[];
  ports?: Array<{ port?: number; protocol?: string }>;
}
interface PolicySpec {
  podSelector: Selector;
  policyTypes?: string[];
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
}

// ---------------------------------------------------------------------------
// Rendering.

function render(target: Target): K8sObject[] {
  const dir = resolve(K8S, target);
  const run = spawnSync(KUBECTL, ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error(
      `"${KUBECTL}" was not found: these tests render k8s/${target} with "kubectl kustomize" (kubectl 1.27 or newer). ` +
        'Install kubectl, or set KUBECTL to its path.',
    );
  }
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`kubectl kustomize k8s/${target} failed (exit ${run.status}):\n${run.stderr}`);
  return parseAllDocuments(run.stdout).map((doc, i) => {
    if (doc.errors.length > 0) throw new Error(`k8s/${target}: document ${i} does not parse: ${doc.errors[0]!.message}`);
    const o = doc.toJS() as K8sObject;
    // kustomize folds long base64 values over lines; the API server ignores the line breaks, the schema's format does not.
    if (o.kind === 'Secret' && o.data) o.data = Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, v.replace(/\s+/g, '')]));
    return o;
  });
}

const rendered = Object.fromEntries(TARGETS.map((t) => [t, render(t)])) as Record<Target, K8sObject[]>;

// ---------------------------------------------------------------------------
// What the code says.

const APPS = ['ingress', 'collector', 'discovery', 'notifier'] as const;
type App = (typeof APPS)[number];
type Role = App | 'migrate';

const SHAPES: Record<App, z.ZodRawShape> = {
  ingress: { ...serviceConfigShape(INGRESS_HTTP_PORT), ...ingressConfigShape },
  collector: { ...serviceConfigShape(COLLECTOR_HTTP_PORT), ...collectorConfigShape },
  discovery: { ...serviceConfigShape(DISCOVERY_HTTP_PORT), ...discoveryConfigShape },
  notifier: { ...serviceConfigShape(NOTIFIER_HTTP_PORT), ...notifierConfigShape },
};
/** What each container's configuration is validated with: the app's, or the migration's (tools/dev/src/migrate.ts). */
const SCHEMAS: Record<Role, z.ZodObject> = {
  ...(Object.fromEntries(APPS.map((app) => [app, z.object(SHAPES[app])])) as Record<App, z.ZodObject>),
  migrate: stackConfigSchema,
};
const ENTRY_POINTS: Record<Role, string> = {
  ingress: 'apps/ingress/main.js',
  collector: 'apps/collector/main.js',
  discovery: 'apps/discovery/main.js',
  notifier: 'apps/notifier/main.js',
  migrate: 'tools/migrate.js',
};

/** Variables that hold a secret: only ever `<NAME>_FILE`, a file of a mounted Secret. */
const SECRET_VARIABLES = [
  'DATABASE_PASSWORD',
  'NATS_TOKEN',
  'NATS_PASSWORD',
  'INGRESS_API_TOKENS',
  'INGRESS_WEBHOOK_SOURCES',
  'NETBOX_TOKENS',
];
/** The secrets each container must be given. */
const REQUIRED_SECRET_FILES: Record<Role, string[]> = {
  ingress: ['DATABASE_PASSWORD', 'NATS_TOKEN', 'INGRESS_API_TOKENS', 'INGRESS_WEBHOOK_SOURCES'],
  collector: ['DATABASE_PASSWORD', 'NATS_TOKEN'],
  discovery: ['DATABASE_PASSWORD', 'NATS_TOKEN', 'NETBOX_TOKENS'],
  notifier: ['DATABASE_PASSWORD', 'NATS_TOKEN'],
  migrate: ['DATABASE_PASSWORD'],
};
/** Directories of named device credentials: a mounted Secret, one file per name. */
const CREDENTIAL_DIRS: Partial<Record<Role, string>> = { collector: 'COLLECTOR_CREDENTIALS_DIR', discovery: 'DISCOVERY_CREDENTIALS_DIR' };
/** The Secrets the manifests reference and production creates, with their keys (k8s/README.md lists them). */
const SECRET_KEYS: Record<string, string[] | 'one file per name'> = {
  'switch-telemetry-database': ['password'],
  'switch-telemetry-nats': ['token'],
  'switch-telemetry-ingress': ['api-tokens', 'webhook-sources'],
  'switch-telemetry-netbox': ['tokens'],
  'switch-telemetry-device-credentials': 'one file per name',
};
/** The KEDA nats-jetstream trigger's metadata (keda.sh/docs/scalers/nats-jetstream). */
const KEDA_REQUIRED = ['natsServerMonitoringEndpoint', 'account', 'stream', 'consumer'];
const KEDA_OPTIONAL = ['lagThreshold', 'activationLagThreshold', 'useHttps'];
/** The queues whose jobs each scaled app runs (libs/inventory, libs/notifications). */
const SCALED_QUEUES: Partial<Record<App, string[]>> = {
  discovery: [webhookProcessJob.queue, discoveryScanJob.queue],
  notifier: [webhookDeliverJob.queue],
};

// ---------------------------------------------------------------------------
// Helpers over the rendered objects.

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'Job', 'DaemonSet']);
const ofKind = <T extends K8sObject = K8sObject>(objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind) as T[];
const workloads = (objects: K8sObject[]) => objects.filter((o) => WORKLOAD_KINDS.has(o.kind)) as Workload[];
const isOurs = (w: Workload) => w.spec.template.metadata?.labels?.['app.kubernetes.io/name'] === 'switch-telemetry';
const allContainers = (pod: PodSpec) => [...(pod.initContainers ?? []), ...pod.containers];
const where = (target: Target, w: K8sObject, c?: Container) =>
  `k8s/${target} ${w.kind}/${w.metadata.name}${c ? ` container ${c.name}` : ''}`;

function named<T extends K8sObject>(objects: K8sObject[], kind: string, name: string): T {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} named ${name}, found ${found.length}`);
  return found[0] as T;
}

function roleOf(c: Container): Role | undefined {
  const entry = c.args?.[0];
  return (Object.keys(ENTRY_POINTS) as Role[]).find((role) => ENTRY_POINTS[role] === entry);
}

interface AppContainer {
  workload: Workload;
  pod: PodSpec;
  container: Container;
  role: Role;
}

/** Every container running our image, with what it runs; a container of ours that runs something unknown fails. */
function appContainers(objects: K8sObject[]): AppContainer[] {
  return workloads(objects)
    .filter(isOurs)
    .flatMap((workload) =>
      allContainers(workload.spec.template.spec).map((container) => {
        const role = roleOf(container);
        if (!role)
          throw new Error(`${workload.kind}/${workload.metadata.name} container ${container.name} runs ${container.args?.join(' ')}`);
        return { workload, pod: workload.spec.template.spec, container, role };
      }),
    );
}

function appContainer(objects: K8sObject[], role: Role): AppContainer {
  const found = appContainers(objects).filter((a) => a.role === role);
  if (found.length !== 1) throw new Error(`expected one container running ${ENTRY_POINTS[role]}, found ${found.length}`);
  return found[0]!;
}

/** The variables a container is given (envFrom ConfigMaps first, env over them); a reference to nothing rendered fails. */
function environment(objects: K8sObject[], c: Container): { values: Record<string, string>; refs: EnvVar[] } {
  const values: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (from.secretRef) throw new Error(`container ${c.name} takes variables from Secret ${from.secretRef.name}`);
    if (!from.configMapRef) continue;
    Object.assign(values, named(objects, 'ConfigMap', from.configMapRef.name).data ?? {});
  }
  const refs: EnvVar[] = [];
  for (const v of c.env ?? []) {
    if (v.value !== undefined) values[v.name] = v.value;
    else refs.push(v);
  }
  return { values, refs };
}

/** The name of every variable set, by value, reference or ConfigMap. */
function variableNames(objects: K8sObject[], c: Container): string[] {
  const { values, refs } = environment(objects, c);
  return [...Object.keys(values), ...refs.map((r) => r.name)];
}

/** The Secret volume mounted at `path`'s directory, and the key the file is. */
function secretFileAt(pod: PodSpec, c: Container, path: string): { secretName: string; key: string; readOnly: boolean } | undefined {
  const dir = posix.dirname(path);
  const mount = (c.volumeMounts ?? []).find((m) => posix.normalize(m.mountPath) === dir);
  const volume = mount && (pod.volumes ?? []).find((v) => v.name === mount.name);
  if (!mount || !volume?.secret) return undefined;
  const file = posix.basename(path);
  const item = volume.secret.items?.find((i) => i.path === file);
  if (volume.secret.items && !item) return undefined;
  return { secretName: volume.secret.secretName, key: item?.key ?? file, readOnly: mount.readOnly === true };
}

/** The keys of a Secret: the rendered one (dev generates them), else the documented ones. */
function secretKeys(objects: K8sObject[], secretName: string): string[] | 'one file per name' | undefined {
  const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === secretName);
  if (secret) return Object.keys(secret.data ?? {});
  return SECRET_KEYS[secretName];
}

/** The environment as the app would see it: ConfigMap and env values, `_FILE`s read from rendered Secrets when there are. */
function resolvedEnv(objects: K8sObject[], a: AppContainer): Env {
  const env: Record<string, string> = {};
  const { values } = environment(objects, a.container);
  for (const [name, value] of Object.entries(values)) {
    if (!name.endsWith('_FILE')) {
      env[name] = value;
      continue;
    }
    const file = secretFileAt(a.pod, a.container, value);
    const secret = file && objects.find((o) => o.kind === 'Secret' && o.metadata.name === file.secretName);
    const data = secret?.data?.[file!.key];
    // Without the Secret (base, prod: created in the cluster) the variable is left out; its default or absence is checked.
    if (data !== undefined)
      env[name.slice(0, -'_FILE'.length)] = Buffer.from(data, 'base64')
        .toString('utf8')
        .replace(/\r?\n$/, '');
  }
  return env;
}

function configOf(objects: K8sObject[], a: AppContainer): Record<string, unknown> {
  return loadConfig(SCHEMAS[a.role], { env: resolvedEnv(objects, a) }) as Record<string, unknown>;
}

function resolvePort(c: Container, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

function matches(selector: Selector | undefined, labels: Labels | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  const byLabel = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => l[k] === v);
  const byExpression = (selector.matchExpressions ?? []).every((e) => {
    if (e.operator === 'In') return l[e.key] !== undefined && (e.values ?? []).includes(l[e.key]!);
    if (e.operator === 'NotIn') return l[e.key] === undefined || !(e.values ?? []).includes(l[e.key]!);
    if (e.operator === 'Exists') return l[e.key] !== undefined;
    if (e.operator === 'DoesNotExist') return l[e.key] === undefined;
    throw new Error(`selector operator ${e.operator}`);
  });
  return byLabel && byExpression;
}

const podLabels = (w: Workload) => w.spec.template.metadata?.labels ?? {};
const policies = (objects: K8sObject[]) => ofKind<K8sObject & { spec: PolicySpec }>(objects, 'NetworkPolicy');

/** A policy without policyTypes covers Ingress, and Egress when it has egress rules (as the API server defaults it). */
const policyTypes = (spec: PolicySpec) => spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);

/** The rules that apply to a pod for one direction, from the policies selecting it. */
function rulesFor(objects: K8sObject[], labels: Labels, direction: 'Ingress' | 'Egress'): PolicyRule[] {
  return policies(objects)
    .filter((p) => matches(p.spec.podSelector, labels) && policyTypes(p.spec).includes(direction))
    .flatMap((p) => (direction === 'Ingress' ? (p.spec.ingress ?? []) : (p.spec.egress ?? [])));
}

const allowsPort = (rule: PolicyRule, port: number, protocol = 'TCP') =>
  (rule.ports ?? []).length === 0 || (rule.ports ?? []).some((p) => p.port === port && (p.protocol ?? 'TCP') === protocol);
const fromNamespace = (peer: PolicyPeer, namespace: string) =>
  peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === namespace && peer.podSelector === undefined;

/** Kubernetes quantities (100m, 1, 512Mi) as numbers, to compare requests with limits. */
function quantity(q: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(q));
  if (!m) throw new Error(`quantity ${q}`);
  const scale: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(m[1]) * (m[2] ? scale[m[2]]! : 1);
}

function imageParts(image: string): { repository: string; tag?: string } {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? { repository: image.slice(0, at), tag: image.slice(at + 1) } : { repository: image };
}

// ---------------------------------------------------------------------------

describe.each(TARGETS)('k8s/%s', (target) => {
  const objects = rendered[target];

  it('renders objects that each validate against the schema of their kind', () => {
    expect(objects.length).toBeGreaterThan(10);
    const problems: string[] = [];
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      if (!Model) {
        problems.push(`${o.apiVersion} ${o.kind}/${o.metadata.name}: no schema known for this kind`);
        continue;
      }
      try {
        new Model(o as never).validate();
      } catch (err) {
        problems.push(`${o.kind}/${o.metadata.name}: ${(err as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('runs the four apps as Deployments and the migration as a Job that may run twice', () => {
    for (const app of APPS) {
      const a = appContainer(objects, app);
      expect(a.workload.kind).toBe('Deployment');
      expect(a.workload.metadata.name).toBe(`switch-telemetry-${app}`);
      expect(a.container.args).toEqual([ENTRY_POINTS[app]]);
    }
    const migrate = appContainer(objects, 'migrate');
    expect(migrate.workload.kind).toBe('Job');
    expect(migrate.workload.metadata.name).toBe('switch-telemetry-migrate');
    expect(migrate.container.args).toEqual(['tools/migrate.js']);
    expect(migrate.workload.spec.backoffLimit).toBeGreaterThan(0);
    expect(migrate.workload.spec.ttlSecondsAfterFinished).toBeGreaterThan(0);
    // The apps never migrate, and nothing else does either: no init container runs the migration.
    expect(appContainers(objects)).toHaveLength(APPS.length + 1);
  });

  it('sets only variables each app reads, with values its configuration accepts', () => {
    const all = appContainers(objects);
    expect(all).toHaveLength(5);
    for (const a of all) {
      const known = new Set(Object.keys(SCHEMAS[a.role].shape));
      const names = variableNames(objects, a.container);
      expect(names.length).toBeGreaterThan(0);
      const unknown = names.filter((n) => !known.has(n) && !(n.endsWith('_FILE') && known.has(n.slice(0, -'_FILE'.length))));
      expect({ at: where(target, a.workload, a.container), unknown }).toEqual({ at: where(target, a.workload, a.container), unknown: [] });
      // loadConfig throws a ConfigError naming every bad variable.
      expect(() => configOf(objects, a)).not.toThrow();
    }
  });

  it('gives secrets only as files of mounted Secret volumes', () => {
    const all = appContainers(objects);
    expect(all).toHaveLength(5);
    const knownAnywhere = new Set(Object.values(SCHEMAS).flatMap((s) => Object.keys(s.shape)));
    for (const name of SECRET_VARIABLES) expect({ name, known: knownAnywhere.has(name) }).toEqual({ name, known: true });

    for (const a of all) {
      const at = where(target, a.workload, a.container);
      const { values, refs } = environment(objects, a.container);
      expect({ at, fromSecrets: refs.filter((r) => r.valueFrom?.secretKeyRef).map((r) => r.name) }).toEqual({ at, fromSecrets: [] });
      const names = variableNames(objects, a.container);
      expect({ at, plain: names.filter((n) => SECRET_VARIABLES.includes(n) || n.startsWith('DEVICE_CREDENTIALS_')) }).toEqual({
        at,
        plain: [],
      });
      for (const secret of REQUIRED_SECRET_FILES[a.role]) expect({ at, has: names.includes(`${secret}_FILE`) }).toEqual({ at, has: true });

      for (const [name, path] of Object.entries(values).filter(([n]) => n.endsWith('_FILE'))) {
        const file = secretFileAt(a.pod, a.container, path);
        expect({ at, name, mountedSecretFile: file !== undefined && file.readOnly }).toEqual({ at, name, mountedSecretFile: true });
        const keys = secretKeys(objects, file!.secretName);
        expect({ at, name, key: Array.isArray(keys) && keys.includes(file!.key) }).toEqual({ at, name, key: true });
      }

      const dirVariable = CREDENTIAL_DIRS[a.role];
      if (dirVariable) {
        const dir = values[dirVariable];
        const mount = a.container.volumeMounts?.find((m) => m.mountPath === dir);
        const volume = a.pod.volumes?.find((v) => v.name === mount?.name);
        expect({ at, dirVariable, secret: volume?.secret?.secretName.startsWith('switch-telemetry-device-credentials') }).toEqual({
          at,
          dirVariable,
          secret: true,
        });
      }
    }
  });

  it('names every Secret and key it mounts in k8s/README.md', () => {
    const readme = readFileSync(resolve(K8S, 'README.md'), 'utf8');
    const mounted = new Set(
      workloads(objects)
        .filter(isOurs)
        .flatMap((w) => (w.spec.template.spec.volumes ?? []).flatMap((v) => (v.secret ? [v.secret.secretName] : []))),
    );
    expect(mounted.size).toBeGreaterThan(0);
    for (const name of Object.keys(SECRET_KEYS)) {
      expect({ name, inReadme: readme.includes(name) }).toEqual({ name, inReadme: true });
      const keys = SECRET_KEYS[name]!;
      for (const key of Array.isArray(keys) ? keys : [])
        expect({ name, key, inReadme: readme.includes(key) }).toEqual({ name, key, inReadme: true });
    }
    // Every Secret mounted is one of those (dev's carry a hash suffix).
    for (const name of mounted) {
      expect({ name, documented: Object.keys(SECRET_KEYS).some((s) => name === s || name.startsWith(`${s}-`)) }).toEqual({
        name,
        documented: true,
      });
    }
  });

  it('probes each app where it serves /healthz and /readyz, and opens the ports it listens on', () => {
    for (const app of APPS) {
      const a = appContainer(objects, app);
      const at = where(target, a.workload, a.container);
      const config = configOf(objects, a);
      const httpPort = config.HTTP_PORT as number;
      // The ingress serves its probes and metrics on OPS_PORT, never on its public HTTP_PORT.
      const opsPort = app === 'ingress' ? (config.OPS_PORT as number) : httpPort;
      expect(opsPort).toBeGreaterThan(0);

      const probes = { startup: a.container.startupProbe, liveness: a.container.livenessProbe, readiness: a.container.readinessProbe };
      const seen = Object.fromEntries(
        Object.entries(probes).map(([kind, p]) => [kind, { path: p?.httpGet?.path, port: resolvePort(a.container, p?.httpGet?.port) }]),
      );
      expect({ at, probes: seen }).toEqual({
        at,
        probes: {
          startup: { path: '/healthz', port: opsPort },
          liveness: { path: '/healthz', port: opsPort },
          readiness: { path: '/readyz', port: opsPort },
        },
      });

      const ports = (a.container.ports ?? []).map((p) => p.containerPort).sort((x, y) => x - y);
      const expected = app === 'ingress' ? [httpPort, opsPort] : [opsPort];
      expect({ at, ports }).toEqual({ at, ports: expected.sort((x, y) => x - y) });

      // The app's Service selects its pods and reaches those ports: `ops` everywhere, `http` on the ingress.
      const services = ofKind<K8sObject & { spec: { selector?: Labels; ports: ServicePortSpec[] } }>(objects, 'Service').filter((s) =>
        matches({ matchLabels: s.spec.selector ?? {} }, podLabels(a.workload)),
      );
      expect({ at, services: services.map((s) => s.metadata.name) }).toEqual({ at, services: [`switch-telemetry-${app}`] });
      const targets = Object.fromEntries(services[0]!.spec.ports.map((p) => [p.name, resolvePort(a.container, p.targetPort ?? p.port)]));
      expect({ at, targets }).toEqual({ at, targets: app === 'ingress' ? { http: httpPort, ops: opsPort } : { ops: opsPort } });
    }
  });

  it('gives every app more time to stop than SHUTDOWN_GRACE_MS, set explicitly', () => {
    for (const app of APPS) {
      const a = appContainer(objects, app);
      const at = where(target, a.workload);
      expect({ at, set: variableNames(objects, a.container).includes('SHUTDOWN_GRACE_MS') }).toEqual({ at, set: true });
      const graceMs = configOf(objects, a).SHUTDOWN_GRACE_MS as number;
      const podGraceS = a.pod.terminationGracePeriodSeconds ?? 30;
      expect({ at, longer: podGraceS * 1000 > graceMs }).toEqual({ at, longer: true });
    }
  });

  it('runs one image, at one tag, and pins every other image', () => {
    const ours = appContainers(objects);
    expect(ours).toHaveLength(5);
    const tags = new Set<string | undefined>();
    for (const a of ours) {
      const { repository, tag } = imageParts(a.container.image);
      expect({ at: where(target, a.workload, a.container), repository }).toEqual({
        at: where(target, a.workload, a.container),
        repository: IMAGE,
      });
      tags.add(tag);
    }
    expect(tags.size).toBe(1);
    const [tag] = [...tags];
    expect(tag).toMatch(/^\d+\.\d+\.\d+/);
    for (const w of workloads(objects).filter((w) => !isOurs(w))) {
      for (const c of allContainers(w.spec.template.spec)) {
        const { repository, tag: other } = imageParts(c.image);
        expect({ at: where(target, w, c), repository: repository === IMAGE, pinned: other !== undefined && other !== 'latest' }).toEqual({
          at: where(target, w, c),
          repository: false,
          pinned: true,
        });
      }
    }
  });

  it('runs every container unprivileged, read-only, with nothing from the API server', () => {
    const all = workloads(objects);
    expect(all.filter(isOurs)).toHaveLength(5);
    for (const w of all) {
      const pod = w.spec.template.spec;
      const at = where(target, w);
      expect({ at, serviceLinks: pod.enableServiceLinks, token: pod.automountServiceAccountToken }).toEqual({
        at,
        serviceLinks: false,
        token: false,
      });
      expect({ at, seccomp: pod.securityContext?.seccompProfile?.type, nonRoot: pod.securityContext?.runAsNonRoot }).toEqual({
        at,
        seccomp: 'RuntimeDefault',
        nonRoot: true,
      });
      for (const c of allContainers(pod)) {
        const sc = c.securityContext ?? {};
        expect({
          at: where(target, w, c),
          nonRoot: sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot,
          readOnlyRoot: sc.readOnlyRootFilesystem,
          escalation: sc.allowPrivilegeEscalation,
          drop: sc.capabilities?.drop,
          add: sc.capabilities?.add ?? [],
          seccomp: sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type,
        }).toEqual({
          at: where(target, w, c),
          nonRoot: true,
          readOnlyRoot: true,
          escalation: false,
          drop: ['ALL'],
          add: [],
          seccomp: 'RuntimeDefault',
        });
      }
      if (!isOurs(w)) continue;
      // The image's user and group; the Secret files are group-readable through fsGroup.
      expect({ at, fsGroup: pod.securityContext?.fsGroup }).toEqual({ at, fsGroup: UID });
      for (const c of allContainers(pod)) {
        const sc = c.securityContext ?? {};
        expect({
          at: where(target, w, c),
          user: sc.runAsUser ?? pod.securityContext?.runAsUser,
          group: sc.runAsGroup ?? pod.securityContext?.runAsGroup,
        }).toEqual({ at: where(target, w, c), user: UID, group: UID });
        // A writable /tmp on a read-only root.
        const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
        const volume = pod.volumes?.find((v) => v.name === tmp?.name);
        expect({ at: where(target, w, c), tmp: volume?.emptyDir !== undefined }).toEqual({ at: where(target, w, c), tmp: true });
      }
      const account = pod.serviceAccountName ?? 'default';
      const sa = objects.find((o) => o.kind === 'ServiceAccount' && o.metadata.name === account) as
        (K8sObject & { automountServiceAccountToken?: boolean }) | undefined;
      expect({ at, account, automount: sa?.automountServiceAccountToken }).toEqual({ at, account, automount: false });
    }
  });

  it('sets CPU and memory requests and limits on every container, requests within limits', () => {
    const all = workloads(objects);
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const w of all) {
      for (const c of allContainers(w.spec.template.spec)) {
        const at = where(target, w, c);
        for (const resource of ['cpu', 'memory']) {
          const request = c.resources?.requests?.[resource];
          const limit = c.resources?.limits?.[resource];
          expect({ at, resource, set: request !== undefined && limit !== undefined }).toEqual({ at, resource, set: true });
          expect({ at, resource, within: quantity(request!) <= quantity(limit!) }).toEqual({ at, resource, within: true });
        }
      }
    }
  });

  it('denies by default and opens what each app uses', () => {
    const all = policies(objects);
    expect(all.length).toBeGreaterThan(0);
    const denyAll = all.find(
      (p) => Object.keys(p.spec.podSelector).length === 0 && !p.spec.ingress && !p.spec.egress && p.spec.policyTypes?.length === 2,
    );
    expect(denyAll?.spec.policyTypes?.sort()).toEqual(['Egress', 'Ingress']);

    const opens = (labels: Labels, direction: 'Ingress' | 'Egress', port: number, protocol = 'TCP', peer?: (p: PolicyPeer) => boolean) =>
      rulesFor(objects, labels, direction).some(
        (r) =>
          allowsPort(r, port, protocol) &&
          (peer === undefined ? true : (direction === 'Ingress' ? (r.from ?? []) : (r.to ?? [])).some((p) => peer(p))),
      );
    const anywhere = (labels: Labels, port: number) =>
      rulesFor(objects, labels, 'Ingress').some((r) => allowsPort(r, port) && (r.from ?? []).length === 0);

    for (const a of appContainers(objects)) {
      const labels = podLabels(a.workload);
      const at = where(target, a.workload);
      const checks: Record<string, boolean> = {
        dnsUdp: opens(labels, 'Egress', 53, 'UDP', (p) => fromNamespace(p, 'kube-system')),
        dnsTcp: opens(labels, 'Egress', 53, 'TCP', (p) => fromNamespace(p, 'kube-system')),
        postgres: opens(labels, 'Egress', 5432),
      };
      if (a.role !== 'migrate') {
        const config = configOf(objects, a);
        const opsPort = (a.role === 'ingress' ? config.OPS_PORT : config.HTTP_PORT) as number;
        checks.nats = opens(labels, 'Egress', 4222);
        checks.metricsFromMonitoring = opens(labels, 'Ingress', opsPort, 'TCP', (p) => fromNamespace(p, 'monitoring'));
        checks.metricsNotFromAnywhere = !anywhere(labels, opsPort);
        if (a.role === 'ingress') checks.publicFromAnywhere = anywhere(labels, config.HTTP_PORT as number);
      }
      if (a.role === 'collector' || a.role === 'discovery') {
        for (const port of [...DEFAULT_GNMI_PORTS, ...DEFAULT_NETCONF_PORTS]) checks[`device${port}`] = opens(labels, 'Egress', port);
      }
      if (a.role === 'discovery') checks.netbox = opens(labels, 'Egress', 443);
      if (a.role === 'notifier') {
        const privateExcepted = (p: PolicyPeer) =>
          p.ipBlock?.cidr === '0.0.0.0/0' &&
          ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', '127.0.0.0/8'].every((r) =>
            p.ipBlock!.except?.includes(r),
          );
        checks.https = opens(labels, 'Egress', 443, 'TCP', privateExcepted);
        checks.http = opens(labels, 'Egress', 80, 'TCP', privateExcepted);
        checks.noPrivateHttps = !opens(labels, 'Egress', 443, 'TCP', (p) => p.ipBlock?.cidr === '10.0.0.0/8');
      }
      // Nothing the app does not use: the ingress alone is reachable from anywhere, only the device apps reach devices.
      if (a.role !== 'ingress') checks.notPublic = !anywhere(labels, 8080);
      if (a.role !== 'collector' && a.role !== 'discovery') checks.noDevices = !opens(labels, 'Egress', 57400);
      expect({ at, failing: Object.keys(checks).filter((k) => !checks[k]) }).toEqual({ at, failing: [] });
    }
  });
});

describe.each(['base', 'overlays/prod'] as const)('k8s/%s ServiceMonitor', (target) => {
  const objects = rendered[target];

  it('scrapes the ops port of the four Services as the jobs the alert rules name', () => {
    const [monitor, ...more] = ofKind<
      K8sObject & { spec: { jobLabel?: string; selector: Selector; endpoints: Array<{ port?: string; path?: string }> } }
    >(objects, 'ServiceMonitor');
    expect(more).toEqual([]);
    const services = ofKind<K8sObject & { spec: { ports: ServicePortSpec[] } }>(objects, 'Service').filter((s) =>
      matches(monitor!.spec.selector, s.metadata.labels),
    );
    expect(services.map((s) => s.metadata.name).sort()).toEqual(APPS.map((a) => `switch-telemetry-${a}`).sort());
    expect(monitor!.spec.endpoints).toHaveLength(1);
    const [endpoint] = monitor!.spec.endpoints;
    expect(endpoint!.path).toBe('/metrics');
    for (const s of services)
      expect({ service: s.metadata.name, port: s.spec.ports.some((p) => p.name === endpoint!.port) }).toEqual({
        service: s.metadata.name,
        port: true,
      });

    const rules = parse(readFileSync(resolve(K8S, 'monitoring', 'alert-rules.yml'), 'utf8')) as {
      groups: Array<{ rules: Array<{ alert?: string; expr: string }> }>;
    };
    const targetDown = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'SwitchTelemetryTargetDown');
    const jobs = /job=~"([^"]+)"/.exec(targetDown!.expr)![1]!.split('|').sort();
    const jobNames = services.map((s) => (monitor!.spec.jobLabel ? s.metadata.labels?.[monitor!.spec.jobLabel] : s.metadata.name)).sort();
    expect(jobNames).toEqual(jobs);
  });
});

describe('k8s/overlays/dev', () => {
  const objects = rendered['overlays/dev'];
  const statefulSet = (name: string) => named<Workload>(objects, 'StatefulSet', name);
  const container = (name: string) => statefulSet(name).spec.template.spec.containers[0]!;
  const envValue = (c: Container, name: string) => c.env?.find((v) => v.name === name);
  /** The generated Secret mounted where the app reads `variable`. */
  function appSecret(role: Role, variable: string): string {
    const a = appContainer(objects, role);
    const path = environment(objects, a.container).values[`${variable}_FILE`]!;
    return secretFileAt(a.pod, a.container, path)!.secretName;
  }

  it('runs one replica of each app', () => {
    const deployments = ofKind<Workload>(objects, 'Deployment');
    expect(deployments).toHaveLength(APPS.length);
    for (const d of deployments)
      expect({ name: d.metadata.name, replicas: d.spec.replicas }).toEqual({ name: d.metadata.name, replicas: 1 });
  });

  it('generates every Secret the apps mount', () => {
    const mounted = workloads(objects)
      .filter(isOurs)
      .flatMap((w) => (w.spec.template.spec.volumes ?? []).flatMap((v) => (v.secret ? [v.secret.secretName] : [])));
    expect(mounted.length).toBeGreaterThan(0);
    for (const name of new Set(mounted))
      expect({ name, rendered: ofKind(objects, 'Secret').some((s) => s.metadata.name === name) }).toEqual({ name, rendered: true });
  });

  it('runs NATS with JetStream on a volume, behind the URL and token the apps use', () => {
    const nats = container('nats');
    const args = nats.args ?? [];
    expect(args).toContain('-js');
    expect(args[args.indexOf('-sd') + 1]).toBe('/data');
    const claims = (statefulSet('nats').spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name);
    expect(nats.volumeMounts?.find((m) => m.mountPath === '/data')?.name).toBe(claims[0]);

    const url = new URL(configOf(objects, appContainer(objects, 'collector')).NATS_URL as string);
    const service = named<K8sObject & { spec: { selector: Labels; ports: ServicePortSpec[] } }>(objects, 'Service', url.hostname);
    expect(matches({ matchLabels: service.spec.selector }, podLabels(statefulSet('nats')))).toBe(true);
    const port = service.spec.ports.find((p) => p.port === Number(url.port));
    expect(resolvePort(nats, port?.targetPort)).toBe(4222);

    // The server's token is the apps' token.
    const token = envValue(nats, 'NATS_TOKEN')?.valueFrom?.secretKeyRef;
    expect(token).toEqual({ name: appSecret('collector', 'NATS_TOKEN'), key: 'token' });
    expect(args).toEqual(expect.arrayContaining(['--auth', '$(NATS_TOKEN)']));
  });

  it('runs PostgreSQL 16 on a volume, with the database, owner and password the apps use', () => {
    const pg = container('postgres');
    expect(imageParts(pg.image)).toEqual({ repository: 'postgres', tag: expect.stringMatching(/^16(\.\d+)?/) });
    const claims = (statefulSet('postgres').spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name);
    const pgdata = envValue(pg, 'PGDATA')!.value!;
    const dataMount = pg.volumeMounts?.find((m) => pgdata.startsWith(`${m.mountPath}/`));
    expect(claims).toContain(dataMount?.name);

    const url = new URL(configOf(objects, appContainer(objects, 'discovery')).DATABASE_URL as string);
    expect(envValue(pg, 'POSTGRES_USER')?.value).toBe(url.username);
    expect(envValue(pg, 'POSTGRES_DB')?.value).toBe(url.pathname.slice(1));
    expect(url.password).toBe('');
    const service = named<K8sObject & { spec: { selector: Labels; ports: ServicePortSpec[] } }>(objects, 'Service', url.hostname);
    expect(matches({ matchLabels: service.spec.selector }, podLabels(statefulSet('postgres')))).toBe(true);
    expect(resolvePort(pg, service.spec.ports.find((p) => p.port === Number(url.port || 5432))?.targetPort)).toBe(5432);
    expect(envValue(pg, 'POSTGRES_PASSWORD')?.valueFrom?.secretKeyRef).toEqual({
      name: appSecret('discovery', 'DATABASE_PASSWORD'),
      key: 'password',
    });
  });

  it('lets only the apps reach NATS and PostgreSQL', () => {
    for (const [name, port] of [
      ['nats', 4222],
      ['postgres', 5432],
    ] as const) {
      const rules = rulesFor(objects, podLabels(statefulSet(name)), 'Ingress').filter((r) => allowsPort(r, port));
      expect(rules.length).toBeGreaterThan(0);
      for (const r of rules) {
        expect(r.from?.map((p) => p.podSelector?.matchLabels)).toEqual([{ 'app.kubernetes.io/name': 'switch-telemetry' }]);
      }
    }
  });
});

describe('k8s/overlays/prod', () => {
  const objects = rendered['overlays/prod'];
  const prod = resolve(K8S, 'overlays', 'prod');
  const deployment = (app: App) => named<Workload>(objects, 'Deployment', `switch-telemetry-${app}`);
  const natsValues = parse(readFileSync(resolve(prod, 'nats-values.yaml'), 'utf8')) as {
    config: {
      cluster: { enabled: boolean; replicas: number };
      jetstream: { enabled: boolean; fileStore: { enabled: boolean; dir: string; pvc: { enabled: boolean; size: string } } };
      monitor: { enabled: boolean; port: number };
    };
  };
  const cluster = parse(readFileSync(resolve(prod, 'postgres-cluster.yaml'), 'utf8')) as {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string };
    spec: { instances: number; bootstrap: { initdb: { database: string; owner: string } } };
  };
  let config: Record<string, unknown>;
  beforeAll(() => {
    config = configOf(objects, appContainer(objects, 'notifier'));
  });

  it('runs three collectors, one disruption at a time, spread over nodes', () => {
    const collector = deployment('collector');
    expect(collector.spec.replicas).toBe(3);
    const pdbs = ofKind<K8sObject & { spec: { maxUnavailable?: number; selector: Selector } }>(objects, 'PodDisruptionBudget').filter((p) =>
      matches(p.spec.selector, podLabels(collector)),
    );
    expect(pdbs.map((p) => p.spec.maxUnavailable)).toEqual([1]);
    const spread = collector.spec.template.spec.topologySpreadConstraints ?? [];
    expect(spread.map((s) => s.topologyKey)).toContain('kubernetes.io/hostname');
    for (const s of spread) expect(matches(s.labelSelector, podLabels(collector))).toBe(true);
  });

  it('scales the ingress on CPU from 2 to 10 replicas, with a disruption budget', () => {
    const ingress = deployment('ingress');
    const hpas = ofKind<
      K8sObject & {
        spec: {
          scaleTargetRef: { kind: string; name: string };
          minReplicas: number;
          maxReplicas: number;
          metrics: Array<{ resource?: { name: string; target: { averageUtilization?: number } } }>;
        };
      }
    >(objects, 'HorizontalPodAutoscaler');
    expect(hpas).toHaveLength(1);
    const hpa = hpas[0]!;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: ingress.metadata.name });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 10]);
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
    const pdbs = ofKind<K8sObject & { spec: { selector: Selector } }>(objects, 'PodDisruptionBudget').filter((p) =>
      matches(p.spec.selector, podLabels(ingress)),
    );
    expect(pdbs).toHaveLength(1);
  });

  it('leaves the replica count of autoscaled Deployments to their autoscaler', () => {
    for (const app of ['ingress', 'discovery', 'notifier'] as const) {
      expect({ app, replicas: deployment(app).spec.replicas }).toEqual({ app, replicas: undefined });
    }
  });

  it('scales the notifier and the discovery on the lag of the consumers their jobs run on', () => {
    type Trigger = { type: string; metadata: Record<string, string> };
    const scaled = ofKind<
      K8sObject & { spec: { scaleTargetRef: { name: string }; minReplicaCount: number; maxReplicaCount: number; triggers: Trigger[] } }
    >(objects, 'ScaledObject');
    expect(scaled.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual(['switch-telemetry-discovery', 'switch-telemetry-notifier']);
    const stream = createTopology({ namespace: config.NATS_NAMESPACE as string }).streams.jobs.name;
    const consumers = new Set(Object.keys(QUEUES).map(queueConsumerName));
    const natsHost = new URL(config.NATS_URL as string).hostname.split('.');

    for (const s of scaled) {
      const app = APPS.find((a) => s.spec.scaleTargetRef.name === `switch-telemetry-${a}`)!;
      expect(deployment(app)).toBeDefined();
      expect(s.spec.minReplicaCount).toBe(1);
      expect(s.spec.maxReplicaCount).toBeGreaterThan(1);
      expect(s.spec.triggers.length).toBeGreaterThan(0);
      for (const t of s.spec.triggers) {
        expect(t.type).toBe('nats-jetstream');
        const fields = Object.keys(t.metadata);
        expect(fields.filter((f) => !KEDA_REQUIRED.includes(f) && !KEDA_OPTIONAL.includes(f))).toEqual([]);
        expect(KEDA_REQUIRED.filter((f) => !fields.includes(f))).toEqual([]);
        expect(t.metadata.account).toBe('$G');
        expect(t.metadata.stream).toBe(stream);
        expect(consumers.has(t.metadata.consumer!)).toBe(true);
        expect(t.metadata.lagThreshold).toMatch(/^[1-9]\d*$/);
        // The chart's headless Service of the release NATS_URL names, on its monitoring port.
        const [host, port] = t.metadata.natsServerMonitoringEndpoint!.split(':');
        expect(host!.split('.').slice(0, 2)).toEqual([`${natsHost[0]}-headless`, natsHost[1]]);
        expect(Number(port)).toBe(natsValues.config.monitor.port);
      }
      const expected = SCALED_QUEUES[app]!.map(queueConsumerName).sort();
      expect(s.spec.triggers.map((t) => t.metadata.consumer).sort()).toEqual(expected);
    }
  });

  it('points at the NATS the Helm values make: a cluster of three with JetStream on volumes', () => {
    expect(natsValues.config.cluster).toMatchObject({ enabled: true });
    expect(natsValues.config.cluster.replicas).toBeGreaterThanOrEqual(3);
    expect(natsValues.config.jetstream).toMatchObject({ enabled: true, fileStore: { enabled: true, pvc: { enabled: true } } });
    expect(natsValues.config.monitor.enabled).toBe(true);
    expect(new URL(config.NATS_URL as string).port).toBe('4222');
  });

  it('points at the CloudNativePG cluster of postgres-cluster.yaml', () => {
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cluster.kind).toBe('Cluster');
    expect(cluster.spec.instances).toBeGreaterThanOrEqual(3);
    const url = new URL(config.DATABASE_URL as string);
    expect(url.hostname).toBe(`${cluster.metadata.name}-rw.${cluster.metadata.namespace}.svc`);
    expect(url.username).toBe(cluster.spec.bootstrap.initdb.owner);
    expect(url.pathname).toBe(`/${cluster.spec.bootstrap.initdb.database}`);
    expect(url.password).toBe('');
    // The apps may reach its pods.
    const migrate = appContainer(objects, 'migrate');
    const reaches = rulesFor(objects, podLabels(migrate.workload), 'Egress').some(
      (r) =>
        allowsPort(r, 5432) &&
        (r.to ?? []).some(
          (p) =>
            p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] === cluster.metadata.namespace &&
            p.podSelector?.matchLabels?.['cnpg.io/cluster'] === cluster.metadata.name,
        ),
    );
    expect(reaches).toBe(true);
  });

  it('leaves the Helm values and the CloudNativePG cluster out of the kustomization', () => {
    const kustomization = parse(readFileSync(resolve(prod, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    expect(kustomization.resources).not.toContain('nats-values.yaml');
    expect(kustomization.resources).not.toContain('postgres-cluster.yaml');
    expect(ofKind(objects, 'Cluster')).toEqual([]);
  });
});
