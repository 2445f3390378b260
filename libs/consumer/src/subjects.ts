import { InvalidSubjectError } from './errors';

// The subject scheme of SwitchTelemetry: `[<namespace>.]telemetry.<device>.<subscription>`.
const TOKEN = /^[a-z0-9_-]{1,128}$/;
const NAMESPACE = /^[A-Za-z0-9_]{1,32}$/;

export interface SubjectOptions {
  /** The stack's namespace (`NATS_NAMESPACE` of the services); empty or absent in production. */
  namespace?: string;
}

function checkNamespace(namespace: string | undefined): string {
  const ns = namespace ?? '';
  if (ns !== '' && !NAMESPACE.test(ns)) throw new InvalidSubjectError(`namespace "${ns.slice(0, 40)}" must be 1-32 of A-Z a-z 0-9 _`);
  return ns;
}

function checkToken(kind: string, value: string): string {
  if (!TOKEN.test(value)) throw new InvalidSubjectError(`${kind} "${value.slice(0, 64)}" is not a subject token: use 1-128 of a-z 0-9 _ -`);
  return value;
}

const withNamespace = (ns: string, subject: string) => (ns ? `${ns}.${subject}` : subject);

/** The stream that holds telemetry: `TELEMETRY`, or `<namespace>_TELEMETRY`. */
export function telemetryStreamName(options: SubjectOptions = {}): string {
  const ns = checkNamespace(options.namespace);
  return ns ? `${ns}_TELEMETRY` : 'TELEMETRY';
}

/** The subject of one device's subscription: `telemetry.leaf-01.interfaces`. Throws InvalidSubjectError. */
export function telemetrySubject(device: string, subscription: string, options: SubjectOptions = {}): string {
  const ns = checkNamespace(options.namespace);
  return withNamespace(ns, `telemetry.${checkToken('device', device)}.${checkToken('subscription', subscription)}`);
}

/** A filter subject: one device and/or one subscription, or every one (`*`). */
export interface TelemetryFilter extends SubjectOptions {
  device?: string;
  subscription?: string;
}

/** `telemetry.<device|*>.<subscription|*>` (under the namespace when given). Throws InvalidSubjectError. */
export function telemetryFilterSubject(filter: TelemetryFilter = {}): string {
  const ns = checkNamespace(filter.namespace);
  const device = filter.device === undefined || filter.device === '*' ? '*' : checkToken('device', filter.device);
  const subscription =
    filter.subscription === undefined || filter.subscription === '*' ? '*' : checkToken('subscription', filter.subscription);
  return withNamespace(ns, `telemetry.${device}.${subscription}`);
}

export interface TelemetrySubject {
  namespace: string;
  device: string;
  subscription: string;
}

/**
 * Splits a telemetry subject. Without `options.namespace` a four-token
 * subject is read as namespaced; with it, the namespace must match.
 * Throws InvalidSubjectError.
 */
export function parseTelemetrySubject(subject: string, options: SubjectOptions = {}): TelemetrySubject {
  const parts = subject.split('.');
  const expected = options.namespace === undefined ? undefined : checkNamespace(options.namespace);
  const hasNs = expected === undefined ? parts.length === 4 : expected !== '';
  const [ns, kind, device, subscription] = hasNs ? parts : ['', ...parts];
  const shown = subject.slice(0, 200);
  if (parts.length !== (hasNs ? 4 : 3) || kind !== 'telemetry') {
    throw new InvalidSubjectError(`"${shown}" is not [<namespace>.]telemetry.<device>.<subscription>`);
  }
  if (expected !== undefined && ns !== expected) throw new InvalidSubjectError(`"${shown}" is not under namespace "${expected}"`);
  return { namespace: checkNamespace(ns), device: checkToken('device', device!), subscription: checkToken('subscription', subscription!) };
}
