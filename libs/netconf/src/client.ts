import { Client, utils, type ClientChannel, type ConnectConfig, type Prompt } from 'ssh2';
import { readBoundedFile } from '@switch-telemetry/config';
import type { Logger } from '@switch-telemetry/logging';
import { NetconfAuthError, NetconfConfigError, NetconfConnectError } from './errors';
import { hostKeyVerifier, resolveHostKeyPolicy, type HostKeyPolicy } from './host-keys';
import { redact, redactedCause } from './redact';
import { NetconfSession, type Hello, type SessionOptions } from './session';

/** SSH connect timeout. */
export const SSH_CONNECT_TIMEOUT_MS = 10_000;
export const SSH_KEEPALIVE_MS = 30_000;
/** Largest private key file read (an RSA 16384-bit key in PEM is about 12 KiB). */
export const PRIVATE_KEY_MAX_BYTES = 65_536;

export interface NetconfConnectOptions extends Omit<SessionOptions, 'log'> {
  host: string;
  port?: number;
  username: string;
  password?: string;
  /** A private key (PEM or OpenSSH), as content. */
  privateKey?: string | Buffer;
  /** The path of a private key file (a regular file of at most 64 KiB); read instead of `privateKey`. */
  privateKeyFile?: string;
  passphrase?: string;
  hostKey: HostKeyPolicy;
  connectTimeoutMs?: number;
  keepaliveMs?: number;
  log: Logger;
}

export interface NetconfConnection {
  session: NetconfSession;
  hello: Hello;
  /** Closes the NETCONF session and the SSH connection. */
  close(): Promise<void>;
}

/** True for the one keyboard-interactive prompt that may get the password: a single, hidden prompt asking for a password. */
export function isPasswordPrompt(prompts: Prompt[]): boolean {
  return prompts.length === 1 && prompts[0]!.echo !== true && /password/i.test(prompts[0]!.prompt);
}

/** Lines of a private key long enough to be key material, to keep out of error text. */
function keyLines(key: string | Buffer | undefined): string[] {
  if (key === undefined) return [];
  return key
    .toString()
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length >= 16 && !l.startsWith('-----'));
}

/** The private key to offer: read (bounded) from privateKeyFile, or given; checked before connecting. */
async function privateKeyOf(options: NetconfConnectOptions): Promise<string | Buffer | undefined> {
  let key = options.privateKey;
  if (options.privateKeyFile) {
    try {
      key = await readBoundedFile(options.privateKeyFile, { maxBytes: PRIVATE_KEY_MAX_BYTES, what: 'private key file' });
    } catch (cause) {
      throw new NetconfConfigError(
        `cannot use the private key file ${JSON.stringify(options.privateKeyFile)}: ${(cause as { details?: { why?: string } }).details?.why ?? 'unreadable'}`,
        { cause },
      );
    }
  }
  if (key === undefined) return undefined;
  // ssh2 would throw this from connect(); its texts can quote parts of the key, so they stay out of ours.
  const parsed = utils.parseKey(key, options.passphrase);
  if (parsed instanceof Error) {
    const encrypted = /passphrase|decrypt|integrity/i.test(parsed.message);
    throw new NetconfConfigError(
      encrypted
        ? 'the private key is encrypted and the passphrase is missing or wrong'
        : 'the private key is not one SSH can use (PEM or OpenSSH format expected)',
    );
  }
  const first = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!first?.isPrivateKey()) throw new NetconfConfigError('the private key holds no private key (a public key?)');
  return key;
}

/**
 * SSH to the device, verify its host key (never accepted silently), open the
 * `netconf` subsystem and exchange hellos. Typed errors: NetconfConnectError
 * (retryable), NetconfAuthError, HostKeyMismatchError, HostKeyUnknownError,
 * NetconfConfigError (files, keys or policy that cannot work). No error
 * message or cause carries the password, passphrase or private key.
 */
export async function connectNetconf(options: NetconfConnectOptions): Promise<NetconfConnection> {
  const port = options.port ?? 830;
  const target = `${options.host}:${port}`;
  if (!options.password && !options.privateKey && !options.privateKeyFile)
    throw new NetconfConfigError('a password or a private key is required');
  const privateKey = await privateKeyOf(options);
  const secrets = [options.password, options.passphrase, ...keyLines(privateKey)];
  // Files are read and parsed before connecting, so the check ssh2 runs mid-handshake does no I/O.
  const hostKeys = hostKeyVerifier(await resolveHostKeyPolicy(options.hostKey), options.host, port);

  const ssh = new Client();
  let channel: ClientChannel | undefined;
  // The rejection of the step under way (connect, subsystem), until it settles.
  let failStep: ((err: Error) => void) | undefined;
  const typed = (err: Error & { level?: string }): Error => {
    const refusedKey = hostKeys.failure();
    if (refusedKey) return refusedKey;
    if (err.level === 'client-authentication')
      return new NetconfAuthError(`${options.username}@${target} was refused`, { cause: redactedCause(err, secrets) });
    return new NetconfConnectError(`SSH to ${target} failed: ${redact(err.message, secrets)}`, { cause: redactedCause(err, secrets) });
  };
  // One listener for the connection's whole life: ssh2 can emit several errors
  // for one failure (a refused host key, then the broken handshake), and an
  // 'error' with no listener would end the process.
  ssh.on('error', (err: Error & { level?: string }) => {
    const fail = failStep;
    failStep = undefined;
    if (fail) fail(typed(err));
    else options.log.debug({ target, error: redact(err.message, secrets) }, 'SSH error after the outcome was settled');
    channel?.destroy();
  });
  ssh.on('close', () => {
    const fail = failStep;
    failStep = undefined;
    fail?.(hostKeys.failure() ?? new NetconfConnectError(`SSH to ${target} closed before NETCONF started`));
    channel?.destroy();
  });
  const step = <T>(start: (resolve: (value: T) => void, reject: (err: Error) => void) => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      failStep = reject;
      start(
        (value) => {
          failStep = undefined;
          resolve(value);
        },
        (err) => {
          failStep = undefined;
          reject(err);
        },
      );
    });

  const config: ConnectConfig = {
    host: options.host,
    port,
    username: options.username,
    readyTimeout: options.connectTimeoutMs ?? SSH_CONNECT_TIMEOUT_MS,
    keepaliveInterval: options.keepaliveMs ?? SSH_KEEPALIVE_MS,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer) => {
      try {
        return hostKeys.verify(key);
      } catch {
        return false; // verify records its failures itself; this only keeps a throw out of ssh2's parser
      }
    },
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(privateKey !== undefined ? { privateKey } : {}),
    ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
    // Password authentication sometimes arrives as keyboard-interactive.
    tryKeyboard: options.password !== undefined,
  };
  if (options.password !== undefined) {
    let answered = false;
    ssh.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => {
      // Only a lone hidden password prompt gets the password, and only once:
      // an OTP or verification prompt, or a second round, gets no answers.
      if (!answered && isPasswordPrompt(prompts)) {
        answered = true;
        finish([options.password!]);
      } else finish([]);
    });
  }

  try {
    await step<void>((resolve, reject) => {
      ssh.once('ready', () => resolve());
      try {
        ssh.connect(config);
      } catch (cause) {
        reject(new NetconfConfigError(`the SSH settings for ${target} were refused: ${redact((cause as Error).message, secrets)}`));
      }
    });
    channel = await step<ClientChannel>((resolve, reject) =>
      ssh.subsys('netconf', (err, ch) =>
        err
          ? reject(
              new NetconfConnectError(`the device has no netconf subsystem: ${redact(err.message, secrets)}`, {
                cause: redactedCause(err, secrets),
              }),
            )
          : resolve(ch),
      ),
    );
    const session = new NetconfSession(channel, { ...options, log: options.log });
    session.onClose(() => ssh.end());
    const hello = await session.hello();
    return {
      session,
      hello,
      async close() {
        await session.close();
        ssh.end();
      },
    };
  } catch (err) {
    failStep = undefined;
    channel?.destroy();
    ssh.destroy();
    throw err;
  }
}
