import { timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Server, utils, type Connection } from 'ssh2';
import {
  BASE_10,
  BASE_11,
  Deframer,
  INTERLEAVE_CAP,
  NETCONF_BASE_NS,
  NOTIFICATION_CAP,
  NOTIFICATION_NS,
  fingerprintOf,
  frame,
  helloXml,
  parseXml,
  textOf,
  type Framing,
  type XmlNode,
} from '@switch-telemetry/netconf';
import { DeviceModel } from './model';

export type NetconfFault = 'none' | 'bad-framing' | 'slow' | 'disconnect' | 'rpc-error' | 'subscription-refused';

export interface NetconfDeviceOptions {
  name: string;
  host: string;
  port: number;
  username: string;
  password: string;
  /** Only end-of-message framing (a base:1.0-only device). */
  eomOnly?: boolean;
  interfaces?: number;
  fault?: NetconfFault;
  /** `slow`: how late each reply comes. */
  slowMs?: number;
  /** `rpc-error`: the error-tag every RPC is refused with. */
  errorTag?: string;
  /** Period of notifications after create-subscription; 0 sends them as fast as the channel takes them. */
  notificationMs?: number;
  tickMs?: number;
  seed?: number;
  /**
   * Offer keyboard-interactive authentication instead of password: each entry
   * is one round of prompts, asked in turn (`[['Password:']]`, `[['OTP:']]`,
   * `[['Password:'], ['Verification code:']]`). A lax device: it accepts when
   * every prompt of every round was answered with the password, so a test can
   * see a client that hands the password to the wrong prompt. What it hears is
   * kept in `keyboardAnswers`.
   */
  keyboardInteractive?: { rounds: string[][]; echo?: boolean };
}

const IF_NS = 'urn:ietf:params:xml:ns:yang:ietf-interfaces';
const SIM_NS = 'urn:switch-telemetry:sim:interfaces';
const COUNTER_NAMES: Record<string, string> = {
  'in-octets': 'in-octets',
  'out-octets': 'out-octets',
  'in-pkts': 'in-unicast-pkts',
  'out-pkts': 'out-unicast-pkts',
  'in-errors': 'in-errors',
};

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * A fresh ed25519 host key. ssh2's generator now and then (about 1 in 200)
 * writes a private key its own parser rejects ("Malformed OpenSSH private
 * key"); such a key is thrown away and another made.
 */
function ed25519HostKey(): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const key = utils.generateKeyPairSync('ed25519');
    if (!(utils.parseKey(key.private) instanceof Error)) return key;
  }
  throw new Error('could not make a usable ed25519 host key');
}

/** A simulated NETCONF device: an ssh2 server with the `netconf` subsystem and an ietf-interfaces state tree whose counters move. */
export class NetconfDevice {
  readonly model: DeviceModel;
  private readonly hostKey = ed25519HostKey();
  private server: Server | undefined;
  private readonly connections = new Set<Connection>();
  private ticker: NodeJS.Timeout | undefined;
  port = 0;
  /** Messages parsed from clients (for tests). */
  rpcs = 0;
  /** Answers to keyboard-interactive prompts, one array per round, over every connection (for tests). */
  readonly keyboardAnswers: string[][] = [];

  constructor(readonly options: NetconfDeviceOptions) {
    this.model = new DeviceModel(options.interfaces ?? 4, options.seed ?? 11);
  }

  /** SSH connections open now (for tests: a client that gave up must not leave one behind). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** The host key's fingerprint as OpenSSH prints it. */
  get fingerprint(): string {
    const parsed = utils.parseKey(this.hostKey.public);
    if (parsed instanceof Error) throw parsed;
    return fingerprintOf(parsed.getPublicSSH());
  }

  /** The host key as a known_hosts line. */
  knownHostsLine(): string {
    return `[${this.options.host}]:${this.port} ${this.hostKey.public.trim().split(' ').slice(0, 2).join(' ')}`;
  }

  async start(): Promise<void> {
    const server = new Server({ hostKeys: [this.hostKey.private] }, (client) => this.onClient(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
    this.ticker = setInterval(() => this.model.tick(), this.options.tickMs ?? 1_000);
    this.ticker.unref();
  }

  /** Closes every SSH connection (a link flap); keeps listening. Returns how many. */
  drop(): number {
    const connections = [...this.connections];
    for (const c of connections) c.end();
    return connections.length;
  }

  async stop(): Promise<void> {
    clearInterval(this.ticker);
    for (const c of this.connections) c.end();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onClient(client: Connection): void {
    this.connections.add(client);
    client.on('close', () => this.connections.delete(client));
    client.on('error', () => undefined);
    const keyboard = this.options.keyboardInteractive;
    client.on('authentication', (ctx) => {
      if (keyboard) {
        if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
        const rounds = [...keyboard.rounds];
        let allPassword = ctx.username === this.options.username;
        const ask = (): void => {
          const round = rounds.shift();
          if (!round) return allPassword ? ctx.accept() : ctx.reject(['keyboard-interactive']);
          ctx.prompt(
            round.map((prompt) => ({ prompt, echo: keyboard.echo ?? false })),
            (answers) => {
              const got = Array.isArray(answers) ? answers : [];
              this.keyboardAnswers.push(got);
              allPassword &&= got.length === round.length && got.every((a) => same(a, this.options.password));
              ask();
            },
          );
        };
        return ask();
      }
      if (ctx.method === 'password' && ctx.username === this.options.username && same(ctx.password, this.options.password))
        return ctx.accept();
      ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('subsystem', (acceptSub, rejectSub, info) => {
          if (info.name !== 'netconf') return rejectSub();
          this.serve(acceptSub() as unknown as Duplex);
        });
      });
    });
  }

  /** One NETCONF session on the subsystem channel. */
  private serve(channel: Duplex): void {
    const sessionId = Math.floor(Math.random() * 1e6) + 1;
    const caps = [
      BASE_10,
      ...(this.options.eomOnly ? [] : [BASE_11]),
      NOTIFICATION_CAP,
      INTERLEAVE_CAP,
      `${IF_NS}?module=ietf-interfaces&revision=2018-02-20`,
    ];
    let framing: Framing = 'eom';
    const deframer = new Deframer('eom');
    let helloSeen = false;
    let notifier: NodeJS.Timeout | undefined;
    let firehose = false;
    const send = (xml: string) => channel.write(frame(xml, framing));
    const stopNotifications = () => {
      clearInterval(notifier);
      firehose = false;
    };
    channel.on('close', stopNotifications);
    channel.on('error', stopNotifications);
    channel.write(frame(helloXml(caps, sessionId), 'eom'));

    const reply = (id: string, body: string) => {
      const xml = `<rpc-reply message-id="${id}" xmlns="${NETCONF_BASE_NS}">${body}</rpc-reply>`;
      if (this.options.fault === 'slow') setTimeout(() => send(xml), this.options.slowMs ?? 2_000).unref();
      else send(xml);
    };

    channel.on('data', (chunk: Buffer) => {
      let doc: XmlNode;
      try {
        deframer.write(chunk);
        for (let raw = deframer.next(); raw; raw = deframer.next()) {
          doc = parseXml(raw);
          if (doc.hello !== undefined) {
            const theirs = (doc.hello as XmlNode).capabilities as XmlNode;
            const list = ([] as unknown[]).concat(theirs?.capability ?? []).map((c) => textOf(c as never));
            framing = !this.options.eomOnly && list.includes(BASE_11) ? 'chunked' : 'eom';
            deframer.setFraming(framing);
            helloSeen = true;
            if (this.options.fault === 'bad-framing') channel.write(Buffer.from('\n#x1\n<oops/>\n##\n'));
            continue;
          }
          const rpc = doc.rpc as XmlNode | undefined;
          if (!helloSeen || !rpc) {
            channel.end();
            return;
          }
          this.rpcs += 1;
          const id = String(rpc['@message-id'] ?? '0');
          if (this.options.fault === 'disconnect' && this.rpcs >= 1) {
            channel.destroy();
            return;
          }
          if (this.options.fault === 'rpc-error') {
            reply(
              id,
              `<rpc-error><error-type>application</error-type><error-tag>${this.options.errorTag ?? 'in-use'}</error-tag><error-severity>error</error-severity><error-path>/interfaces</error-path><error-message xml:lang="en">simulated failure</error-message></rpc-error>`,
            );
            continue;
          }
          if (this.options.fault === 'subscription-refused') {
            // Refuses a notification subscription at once, and answers a get only after slowMs:
            // a poll is still waiting when the subscription fails.
            if (rpc['create-subscription'] !== undefined) {
              reply(
                id,
                '<rpc-error><error-type>protocol</error-type><error-tag>operation-not-supported</error-tag><error-severity>error</error-severity></rpc-error>',
              );
            } else {
              const xml = `<rpc-reply message-id="${id}" xmlns="${NETCONF_BASE_NS}"><data>${this.stateXml((rpc.get ?? {}) as XmlNode)}</data></rpc-reply>`;
              setTimeout(() => send(xml), this.options.slowMs ?? 2_000).unref();
            }
            continue;
          }
          if (rpc.get !== undefined) reply(id, `<data>${this.stateXml(rpc.get as XmlNode)}</data>`);
          else if (rpc['get-config'] !== undefined) reply(id, `<data>${this.configXml()}</data>`);
          else if (rpc['create-subscription'] !== undefined) {
            reply(id, '<ok/>');
            stopNotifications();
            if (this.options.notificationMs === 0) {
              firehose = true;
              const pump = () => {
                // Respect the channel's window: wait for drain when it is full.
                while (firehose) if (!send(this.notificationXml())) return void channel.once('drain', pump);
              };
              setImmediate(pump);
            } else notifier = setInterval(() => send(this.notificationXml()), this.options.notificationMs ?? 1_000);
          } else if (rpc['close-session'] !== undefined) {
            reply(id, '<ok/>');
            stopNotifications();
            channel.end();
          } else {
            reply(
              id,
              '<rpc-error><error-type>protocol</error-type><error-tag>operation-not-supported</error-tag><error-severity>error</error-severity><error-message>not simulated</error-message></rpc-error>',
            );
          }
        }
      } catch {
        channel.destroy();
      }
    });
  }

  private interfaces(): Array<{ name: string; status: string; counters: Record<string, string> }> {
    const byName = new Map<string, { name: string; status: string; counters: Record<string, string> }>();
    for (const leaf of this.model.leaves) {
      const name = leaf.prefix[1]?.key?.name;
      if (!name) continue;
      const entry = byName.get(name) ?? { name: name.replace('Ethernet', 'eth'), status: 'up', counters: {} };
      const last = leaf.rel[leaf.rel.length - 1]!.name;
      if (leaf.kind === 'status') entry.status = String(leaf.value).toLowerCase();
      else if (COUNTER_NAMES[last]) entry.counters[COUNTER_NAMES[last]!] = String(leaf.value);
      byName.set(name, entry);
    }
    return [...byName.values()];
  }

  /** ietf-interfaces state: the 2014 interfaces-state tree and the 2018 combined tree, as a subtree filter selects. */
  private stateXml(get: XmlNode): string {
    const filter = get.filter as XmlNode | undefined;
    const wanted = filter ? Object.keys(filter).filter((k) => !k.startsWith('@')) : ['interfaces-state', 'interfaces'];
    const stats = (c: Record<string, string>) =>
      Object.entries(c)
        .map(([k, v]) => `<${k}>${v}</${k}>`)
        .join('');
    const list = this.interfaces();
    const parts: string[] = [];
    if (wanted.includes('interfaces-state')) {
      parts.push(
        `<interfaces-state xmlns="${IF_NS}">${list.map((i) => `<interface><name>${i.name}</name><type xmlns:ianaift="urn:ietf:params:xml:ns:yang:iana-if-type">ianaift:ethernetCsmacd</type><oper-status>${i.status}</oper-status><statistics>${stats(i.counters)}</statistics></interface>`).join('')}</interfaces-state>`,
      );
    }
    if (wanted.includes('interfaces')) {
      parts.push(
        `<interfaces xmlns="${IF_NS}">${list.map((i) => `<interface><name>${i.name}</name><enabled>true</enabled><oper-status>${i.status}</oper-status><statistics>${stats(i.counters)}</statistics></interface>`).join('')}</interfaces>`,
      );
    }
    return parts.join('');
  }

  private configXml(): string {
    return `<interfaces xmlns="${IF_NS}">${this.interfaces()
      .map((i) => `<interface><name>${i.name}</name><description>simulated ${i.name}</description><enabled>true</enabled></interface>`)
      .join('')}</interfaces>`;
  }

  private notificationXml(): string {
    this.model.tick();
    const body = this.interfaces()
      .map(
        (i) =>
          `<interface><name>${i.name}</name><oper-status>${i.status}</oper-status><in-octets>${i.counters['in-octets']}</in-octets><out-octets>${i.counters['out-octets']}</out-octets></interface>`,
      )
      .join('');
    return `<notification xmlns="${NOTIFICATION_NS}"><eventTime>${new Date().toISOString()}</eventTime><interface-statistics xmlns="${SIM_NS}">${body}</interface-statistics></notification>`;
  }
}
