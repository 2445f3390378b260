import { z } from 'zod';
import { FileRefusedError, readBoundedFileSync } from './bounded-file';
import { ConfigError, type ConfigProblem } from './config-error';

export type Env = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /** Where variables come from; `process.env` by default. */
  env?: Env;
  /**
   * Prefixes this process owns (`INGRESS_`). A set variable with such a prefix
   * that the schema does not know is an error: a typo or an obsolete option
   * must not be ignored silently.
   */
  ownedPrefixes?: readonly string[];
  /** Reads a `*_FILE` path; injectable for tests. */
  readFile?: (path: string) => string;
}

const FILE_SUFFIX = '_FILE';
/** A `*_FILE` holds one value (a token list, a certificate): more than this is not a secret mount. */
export const CONFIG_FILE_MAX_BYTES = 1_048_576;

// Kubernetes injects <SERVICE>_SERVICE_HOST, <SERVICE>_PORT, <SERVICE>_PORT_8080_TCP...
// for every Service in the namespace; a Service named "ingress" must not make
// the ingress refuse to start. (The manifests also set enableServiceLinks: false.)
const SERVICE_LINK = /_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT(_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?)$/;

type Shape = z.ZodRawShape;

/**
 * Validates the environment against `schema` once, resolving `<NAME>_FILE`
 * variables (Kubernetes Secret mounts) into `<NAME>`, and returns a deeply
 * frozen result. Throws one ConfigError naming every bad variable.
 */
export function loadConfig<S extends Shape>(schema: z.ZodObject<S>, options: LoadConfigOptions = {}): Readonly<z.infer<z.ZodObject<S>>> {
  const env = options.env ?? process.env;
  const readFile =
    options.readFile ??
    ((path: string) => readBoundedFileSync(path, { maxBytes: CONFIG_FILE_MAX_BYTES, what: 'configuration file' }).toString('utf8'));
  const known = new Set(Object.keys(schema.shape));
  const problems: ConfigProblem[] = [];
  const input: Record<string, string> = {};

  for (const name of known) {
    const direct = env[name];
    const filePath = env[name + FILE_SUFFIX];
    if (direct !== undefined && filePath !== undefined) {
      problems.push({ variable: name, problem: `set both ${name} and ${name}${FILE_SUFFIX}; choose one` });
      continue;
    }
    if (filePath !== undefined) {
      try {
        // Secret files usually end with one newline; anything else is the value.
        input[name] = readFile(filePath).replace(/\r?\n$/, '');
      } catch (cause) {
        const reason =
          cause instanceof FileRefusedError ? String(cause.details.why) : ((cause as NodeJS.ErrnoException).code ?? 'unreadable');
        problems.push({ variable: name + FILE_SUFFIX, problem: `cannot read the file (${reason})` });
      }
    } else if (direct !== undefined) {
      input[name] = direct;
    }
  }

  for (const name of Object.keys(env)) {
    if (env[name] === undefined) continue;
    const base = name.endsWith(FILE_SUFFIX) ? name.slice(0, -FILE_SUFFIX.length) : name;
    if (known.has(name) || known.has(base) || SERVICE_LINK.test(name)) continue;
    if ((options.ownedPrefixes ?? []).some((prefix) => name.startsWith(prefix))) {
      problems.push({ variable: name, problem: 'unknown variable (misspelt or no longer supported)' });
    }
  }

  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0] ?? '(config)');
      const problem = issue.code === 'invalid_type' && input[variable] === undefined ? 'is required' : issue.message;
      problems.push({ variable, problem });
    }
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.variable.localeCompare(b.variable));
    throw new ConfigError(problems);
  }
  return deepFreeze(parsed.data as z.infer<z.ZodObject<S>>);
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
