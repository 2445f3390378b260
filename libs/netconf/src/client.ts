import { readFileSync } from 'node:fs';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { Logger } from '@switch-telemetry/logging';
import { NetconfAuthError, NetconfConfigError, NetconfConnectError } from './errors';
import { hostKeyVerifier, type HostKeyPolicy } from './host-keys';
import { NetconfSession, type Hello, type SessionOptions } from './session';

/** The seed's SSH connect timeout. */
export const SSH_CONNECT_TIMEOUT_MS = 10_000;
export const SSH_KEEPALIVE_MS = 30_000;

export interface NetconfConnectOptions extends Omit<SessionOptions, 'log'> {
  host: string;
  port?: number;
  username: string;
  password?: string;
  /** A private key (PEM or OpenSSH), or the path of a file holding one. */
  privateKey?: string | Buffer;
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

/**
 * SSH to the device, verify its host key (never accepted silently), open the
 * `netconf` subsystem and exchange hellos. Typed errors: NetconfConnectError
 * (retryable), NetconfAuthError, HostKeyMismatchError, HostKeyUnknownError.
 */
export async function connectNetconf(options: NetconfConnectOptions): Promise<NetconfConnection> {
  const port = options.port ?? 830;
  if (!options.password && !options.privateKey && !options.privateKeyFile) throw new NetconfConfigError('a password or a private key is required');
  let privateKey = options.privateKey;
  if (options.privateKeyFile) {
    try {
      privateKey = readFileSync(options.privateKeyFile);
    } catch (cause) {
      throw new NetconfConfigError(`cannot read the key file ${options.privateKeyFile}`, { cause });
    }
  }
  const hostKeys = hostKeyVerifier(options.hostKey, options.host, port);
  const ssh = new Client();
  const config: ConnectConfig = {
    host: options.host,
    port,
    username: options.username,
    readyTimeout: options.connectTimeoutMs ?? SSH_CONNECT_TIMEOUT_MS,
    keepaliveInterval: options.keepaliveMs ?? SSH_KEEPALIVE_MS,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer) => hostKeys.verify(key),
    ...(options.password !== undefined ? { password: options.password } : {}),
    ...(privateKey !== undefined ? { privateKey } : {}),
    ...(options.passphrase !== undefined ? { passphrase: options.passphrase } : {}),
    // Password authentication sometimes arrives as keyboard-interactive.
    tryKeyboard: options.password !== undefined,
  };
  if (options.password !== undefined) {
    ssh.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => options.password!)));
  }

  await new Promise<void>((resolve, reject) => {
    ssh.once('ready', () => resolve());
    ssh.once('error', (err: Error & { level?: string }) => {
      const refusedKey = hostKeys.failure();
      if (refusedKey) return reject(refusedKey);
      if (err.level === 'client-authentication') return reject(new NetconfAuthError(`${options.username}@${options.host}:${port} was refused`, { cause: err }));
      reject(new NetconfConnectError(`SSH to ${options.host}:${port} failed: ${err.message}`, { cause: err }));
    });
    ssh.connect(config);
  });

  let channel: ClientChannel;
  try {
    channel = await new Promise<ClientChannel>((resolve, reject) =>
      ssh.subsys('netconf', (err, ch) => (err ? reject(new NetconfConnectError(`the device has no netconf subsystem: ${err.message}`, { cause: err })) : resolve(ch))),
    );
  } catch (err) {
    ssh.end();
    throw err;
  }
  const session = new NetconfSession(channel, { ...options, log: options.log });
  session.onClose(() => ssh.end());
  ssh.on('close', () => channel.destroy());
  ssh.on('error', () => channel.destroy());
  let hello: Hello;
  try {
    hello = await session.hello();
  } catch (err) {
    ssh.end();
    throw err;
  }
  return {
    session,
    hello,
    async close() {
      await session.close();
      ssh.end();
    },
  };
}
