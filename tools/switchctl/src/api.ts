import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { CONNECTION_CODES, CliError, EXIT } from './exit';

/** Where the API is and who we are: from flags, else SWITCHCTL_API / SWITCHCTL_TOKEN, else the config file's context. */
export interface ApiTarget {
  url: string;
  token?: string;
  /** How long one request may stay silent; a refused connection fails at once. */
  timeoutMs: number;
}

export const DEFAULT_API = 'http://127.0.0.1:8080';
const DEFAULT_TIMEOUT_MS = 10_000;

interface ConfigFile {
  'current-context'?: string;
  contexts?: Array<{ name: string; api: string; token?: string; 'token-file'?: string }>;
}

/** The config file: SWITCHCTL_CONFIG, else ~/.config/switchctl/config.yaml. Absent is fine; unreadable or malformed is an error. */
export function configPath(env: NodeJS.ProcessEnv): string {
  return env.SWITCHCTL_CONFIG ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'switchctl', 'config.yaml');
}

function readConfig(path: string): ConfigFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(EXIT.USAGE, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new CliError(EXIT.USAGE, `${path} is not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new CliError(EXIT.USAGE, `${path} must be a mapping with contexts`);
  return doc as ConfigFile;
}

/** Resolves the API target; flags win over the environment, which wins over the config file. */
export function resolveTarget(
  flags: { api?: string | undefined; token?: string | undefined; context?: string | undefined; timeout?: number | undefined },
  env: NodeJS.ProcessEnv,
): ApiTarget {
  let url = flags.api ?? env.SWITCHCTL_API;
  let token = flags.token ?? env.SWITCHCTL_TOKEN;
  if (url === undefined || token === undefined || flags.context !== undefined) {
    const path = configPath(env);
    const config = readConfig(path);
    const name = flags.context ?? env.SWITCHCTL_CONTEXT ?? config?.['current-context'];
    if (name !== undefined) {
      const context = config?.contexts?.find((c) => c?.name === name);
      if (!context) throw new CliError(EXIT.USAGE, `no context "${name}" in ${path}`);
      if (typeof context.api !== 'string') throw new CliError(EXIT.USAGE, `context "${name}" in ${path} has no api URL`);
      // A context's token goes only to the context's own API, never to a URL given beside it.
      const sameApi = url === undefined || url.replace(/\/+$/, '') === context.api.replace(/\/+$/, '');
      url ??= context.api;
      if (token === undefined && sameApi && context['token-file'] !== undefined) {
        try {
          token = readFileSync(context['token-file'], 'utf8').trim();
        } catch (err) {
          throw new CliError(
            EXIT.USAGE,
            `context "${name}": cannot read its token-file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
          );
        }
      }
      if (sameApi) token ??= context.token;
    }
  }
  url ??= DEFAULT_API;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(EXIT.USAGE, '--api must be an http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new CliError(EXIT.USAGE, '--api must be an http(s) URL');
  // A password in the URL would end up in error messages; the token is the only credential.
  if (parsed.username !== '' || parsed.password !== '')
    throw new CliError(EXIT.USAGE, '--api must not carry a user or password; use --token');
  return { url: url.replace(/\/+$/, ''), ...(token ? { token } : {}), timeoutMs: flags.timeout ?? DEFAULT_TIMEOUT_MS };
}

/** The API's problem documents (RFC 9457), as far as we read them. */
interface Problem {
  title?: string;
  detail?: string;
  problems?: Array<{ field?: string; problem?: string }>;
}

/** An HTTP error from the API, with its status and problem document. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(status === 401 || status === 403 ? EXIT.AUTH : status === 503 ? EXIT.CONNECTION : EXIT.FAILURE, message);
  }
}

/** A thin client of the REST API: JSON in and out, the token as a bearer, one clear line per failure. */
export class ApiClient {
  constructor(readonly target: ApiTarget) {}

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; body: T }> {
    const url = `${this.target.url}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.target.token ? { authorization: `Bearer ${this.target.token}` } : {}),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.target.timeoutMs),
      });
    } catch (err) {
      throw connectionError(err, this.target);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw connectionError(err, this.target);
    }
    let parsed: unknown = undefined;
    if (text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (res.ok) throw new CliError(EXIT.DATA, `${method} ${path}: the API answered ${res.status} with something that is not JSON`);
      }
    }
    if (!res.ok) throw new ApiError(res.status, describeProblem(method, path, res.status, parsed as Problem | undefined));
    return { status: res.status, body: parsed as T };
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path).then((r) => r.body);
  }
}

function connectionError(err: unknown, target: ApiTarget): CliError {
  const e = err as { name?: string; cause?: unknown };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') {
    return new CliError(EXIT.CONNECTION, `${target.url}: no answer within ${target.timeoutMs / 1_000} s`);
  }
  const cause = e.cause as { code?: string; message?: string } | undefined;
  const known = cause?.code ? CONNECTION_CODES[cause.code] : undefined;
  const what = known ?? `cannot connect (${(cause?.code ?? cause?.message ?? String(err)).slice(0, 100)})`;
  return new CliError(EXIT.CONNECTION, `${target.url}: ${what}`);
}

function describeProblem(method: string, path: string, status: number, problem: Problem | undefined): string {
  const fields = (problem?.problems ?? [])
    .slice(0, 5)
    .map((p) => `${p.field ?? '?'}: ${p.problem ?? '?'}`)
    .join('; ');
  const text = [problem?.title, problem?.detail, fields].filter((s) => s && s.length > 0).join(': ');
  const hint = status === 401 ? ' (give a token: --token, SWITCHCTL_TOKEN or a context)' : '';
  return `${method} ${path}: ${status}${text ? ` ${text}` : ''}${hint}`;
}
