import { Socket, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { TimeoutError, withTimeout } from '@switch-telemetry/errors';
import { GnmiClient, GnmiRpcError, type CapabilityResponse } from '@switch-telemetry/gnmi';
import type { Logger } from '@switch-telemetry/logging';
import { NetconfAuthError, NetconfTimeoutError, connectNetconf, memoryHostKeyStore } from '@switch-telemetry/netconf';
import { z } from 'zod';
import { MAX_PROFILES, profileNameSchema } from '@switch-telemetry/contracts';

/** Each identification attempt (one profile, one port) is bounded by this (3 s). */
export const IDENTIFY_TIMEOUT_MS = 3_000;

/**
 * A credential profile the operator configures for discovery (DISCOVERY_PROFILES), tried in order on each open
 * port. `credentials` names credentials as devices do (a file in the credentials directory or a
 * DEVICE_CREDENTIALS_<NAME> variable). Discovery sends them to hosts it does not know yet: give it credentials
 * that may only read.
 */
export const discoveryProfileSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/),
    credentials: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/)
      .optional(),
    /** gNMI: try without TLS when TLS fails (TLS is always tried first). */
    plaintext: z.boolean().default(false),
    /** gNMI over TLS: accept a certificate no trusted CA signed (the device record then says so). */
    insecure_skip_verify: z.boolean().default(false),
    /** NETCONF: pin the host key seen during discovery on the new device; otherwise it waits for an admin's approval. */
    pin_host_key: z.boolean().default(false),
    /** Subscription profiles a device found with this profile runs (instead of DISCOVERY_DEFAULT_SUBSCRIPTIONS). */
    subscription_profiles: z.array(profileNameSchema).max(MAX_PROFILES).default([]),
  })
  .strict();
export type DiscoveryProfile = z.infer<typeof discoveryProfileSchema>;

export interface ProfileCredentials {
  username?: string;
  password?: string;
  privateKey?: string;
}

export interface GnmiIdentity {
  protocol: 'gnmi';
  profile: string;
  /** How the connection was secured: a certificate checked against the trust store, TLS without checking, or none. */
  transport: 'tls' | 'tls-unverified' | 'plaintext';
  gnmiVersion: string | null;
  models: Array<{ name: string; organization: string; version: string }>;
  encodings: string[];
  vendor: string | null;
}

export interface NetconfIdentity {
  protocol: 'netconf';
  profile: string;
  capabilities: string[];
  /** YANG modules announced in the hello (`module=` of the capability URIs). */
  modules: string[];
  /** The SSH host key seen, as OpenSSH prints it: recorded, never trusted by discovery itself. */
  fingerprint: string;
  vendor: string | null;
}

/** Why an open port is not a device we can use: a stable code and our own words (never a device's text). */
export interface Unidentified {
  code: 'auth_refused' | 'not_gnmi' | 'not_netconf' | 'timeout' | 'no_profile';
  message: string;
}

export type Identity = GnmiIdentity | NetconfIdentity;

const VENDORS: Array<[RegExp, string]> = [
  [/cisco/i, 'Cisco'],
  [/juniper|junos/i, 'Juniper'],
  [/arista/i, 'Arista'],
  [/nokia|alcatel/i, 'Nokia'],
  [/huawei/i, 'Huawei'],
  [/sonic/i, 'SONiC'],
];

/** A vendor hint from model names, organisations or capability URIs; null when nothing says. */
export function vendorOf(texts: readonly string[]): string | null {
  for (const [pattern, vendor] of VENDORS) if (texts.some((t) => pattern.test(t))) return vendor;
  return null;
}

// RFC 9113 §3.4: the client connection preface, then an empty SETTINGS frame.
const H2_PREFACE = Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]);
const SETTINGS_FRAME = 0x04;

/**
 * Opens `socket`, lets `watch` decide from what it sees (calling `answer`), and always destroys it: false on
 * an error, a close or the timeout before an answer.
 */
function bareCheck(socket: Socket, timeoutMs: number, watch: (socket: Socket, answer: (yes: boolean) => void) => void): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const answer = (yes: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(yes);
    };
    const timer = setTimeout(() => answer(false), timeoutMs);
    socket.once('error', () => answer(false));
    socket.once('close', () => answer(false));
    watch(socket, answer);
  });
}

/**
 * Whether `host:port` speaks HTTP/2 (gRPC's transport) — in plaintext: it answers the preface with a SETTINGS
 * frame (§3.4); over TLS: the handshake agrees on ALPN `h2`. Read with a bare socket that is always destroyed:
 * a port that speaks something else never reaches the gRPC client.
 */
export function speaksHttp2(host: string, port: number, tls: boolean, timeoutMs: number): Promise<boolean> {
  if (tls) {
    const socket = tlsConnect({
      host,
      port,
      ALPNProtocols: ['h2'],
      rejectUnauthorized: false,
      ...(isIP(host) ? {} : { servername: host }),
    });
    return bareCheck(socket, timeoutMs, (s, answer) => s.once('secureConnect', () => answer(socket.alpnProtocol === 'h2')));
  }
  return bareCheck(new Socket(), timeoutMs, (socket, answer) => {
    let head = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      if (head.length >= 9) answer(head[3] === SETTINGS_FRAME);
    });
    socket.connect({ host, port }, () => socket.write(H2_PREFACE));
  });
}

/** Whether `host:port` greets like an SSH server (RFC 4253 §4.2: `SSH-` first), read with a bare socket that is always destroyed. */
export function speaksSsh(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return bareCheck(new Socket(), timeoutMs, (socket, answer) => {
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      // Servers may send other lines before the version line; the version line starts with SSH-.
      if (/(^|\n)SSH-/.test(head)) answer(true);
      else if (head.length > 1_024) answer(false);
    });
    socket.connect({ host, port });
  });
}

/**
 * Asks `host:port` for gNMI Capabilities with each profile in order: over TLS first (a checked certificate, or
 * an unchecked one when the profile allows it), then in plaintext when the profile allows it. The first answer
 * identifies it; refused credentials try the next profile.
 */
export async function identifyGnmi(
  host: string,
  port: number,
  profiles: readonly DiscoveryProfile[],
  credentialsOf: (profile: DiscoveryProfile) => Promise<ProfileCredentials>,
  options: { log: Logger; timeoutMs?: number },
): Promise<GnmiIdentity | Unidentified> {
  if (profiles.length === 0) return { code: 'no_profile', message: 'no discovery profile is configured' };
  const timeoutMs = options.timeoutMs ?? IDENTIFY_TIMEOUT_MS;
  let last: Unidentified = { code: 'not_gnmi', message: 'no gNMI Capabilities answer' };
  const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  for (const profile of profiles) {
    const creds = await credentialsOf(profile);
    const transports: Array<GnmiIdentity['transport']> = [
      profile.insecure_skip_verify ? 'tls-unverified' : 'tls',
      ...(profile.plaintext ? (['plaintext'] as const) : []),
    ];
    for (const transport of transports) {
      if (!(await speaksHttp2(host, port, transport !== 'plaintext', timeoutMs))) {
        if (last.code !== 'auth_refused')
          last = { code: 'not_gnmi', message: `the port does not speak HTTP/2${transport === 'plaintext' ? '' : ' over TLS'}` };
        continue;
      }
      const client = new GnmiClient({
        address,
        tls: transport === 'plaintext' ? false : transport === 'tls-unverified' ? { insecureSkipVerify: true } : {},
        log: options.log,
        connectTimeoutMs: timeoutMs,
        rpcTimeoutMs: timeoutMs,
        ...(creds.username !== undefined ? { username: creds.username } : {}),
        ...(creds.password !== undefined ? { password: creds.password } : {}),
      });
      try {
        // The client is closed in `finally` however this ends, a timeout included.
        const caps: CapabilityResponse = await withTimeout(client.capabilities(), timeoutMs + 500, 'gNMI Capabilities');
        const models = (caps.supported_models ?? []).map((m) => ({
          name: String(m.name ?? ''),
          organization: String(m.organization ?? ''),
          version: String(m.version ?? ''),
        }));
        return {
          protocol: 'gnmi',
          profile: profile.name,
          transport,
          gnmiVersion: caps.gNMI_version ?? null,
          models,
          encodings: (caps.supported_encodings ?? []).map(String),
          vendor: vendorOf(models.flatMap((m) => [m.name, m.organization])),
        };
      } catch (err) {
        if (err instanceof GnmiRpcError && err.isAuthFailure) {
          last = { code: 'auth_refused', message: `the target refused the credentials of profile ${profile.name}` };
          break; // the next profile: another transport would not change the answer to these credentials
        }
        if (err instanceof TimeoutError || (err instanceof GnmiRpcError && err.grpcStatus === 'DEADLINE_EXCEEDED')) {
          last = { code: 'timeout', message: `no gNMI answer within ${timeoutMs} ms` };
        } else if (last.code !== 'auth_refused') {
          last = { code: 'not_gnmi', message: 'the port does not answer gNMI Capabilities' };
        }
      } finally {
        client.close();
      }
    }
  }
  return last;
}

/**
 * Opens a NETCONF session over SSH with each profile in order and reads its hello. The host key is accepted for
 * this session only and reported, never pinned here: whether the device trusts it is the caller's decision.
 */
export async function identifyNetconf(
  host: string,
  port: number,
  profiles: readonly DiscoveryProfile[],
  credentialsOf: (profile: DiscoveryProfile) => Promise<ProfileCredentials>,
  options: { log: Logger; timeoutMs?: number },
): Promise<NetconfIdentity | Unidentified> {
  if (profiles.length === 0) return { code: 'no_profile', message: 'no discovery profile is configured' };
  const timeoutMs = options.timeoutMs ?? IDENTIFY_TIMEOUT_MS;
  let last: Unidentified = { code: 'not_netconf', message: 'no NETCONF hello' };
  if (!(await speaksSsh(host, port, timeoutMs))) return { code: 'not_netconf', message: 'the port does not speak SSH' };
  for (const profile of profiles) {
    const creds = await credentialsOf(profile);
    const seen = memoryHostKeyStore();
    const connecting = connectNetconf({
      host,
      port,
      username: creds.username ?? '',
      hostKey: { trustOnFirstUse: { store: seen } },
      log: options.log,
      connectTimeoutMs: timeoutMs,
      ...(creds.password !== undefined ? { password: creds.password } : {}),
      ...(creds.privateKey !== undefined ? { privateKey: creds.privateKey } : {}),
    });
    try {
      const connection = await withTimeout(connecting, timeoutMs * 2, 'NETCONF hello');
      const capabilities = connection.hello.capabilities;
      await connection.close().catch(() => undefined);
      const modules = capabilities.flatMap((uri) => {
        const m = /[?&]module=([^&]+)/.exec(uri);
        if (!m) return [];
        // The device's text: a malformed escape keeps the name as sent rather than failing the identification.
        try {
          return [decodeURIComponent(m[1]!)];
        } catch {
          return [m[1]!];
        }
      });
      return {
        protocol: 'netconf',
        profile: profile.name,
        capabilities,
        modules,
        fingerprint: seen.get(`${host}:${port}`) ?? '',
        vendor: vendorOf(capabilities),
      };
    } catch (err) {
      // A session that opens after the wait gave up is closed, not left behind.
      if (err instanceof TimeoutError) void connecting.then((late) => late.close()).catch(() => undefined);
      if (err instanceof NetconfAuthError)
        last = { code: 'auth_refused', message: `the device refused the credentials of profile ${profile.name}` };
      else if (err instanceof TimeoutError || err instanceof NetconfTimeoutError)
        last = { code: 'timeout', message: `no NETCONF hello within ${timeoutMs} ms` };
      else if (last.code !== 'auth_refused') last = { code: 'not_netconf', message: 'the port does not speak NETCONF over SSH' };
    }
  }
  return last;
}
