import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import {
  gnmiService,
  joinPath,
  type Encoding,
  type Notification,
  type Path,
  type SubscribeRequest,
  type SubscribeResponse,
  type Subscription,
  type SubscriptionList,
  type TypedValue,
} from '@switch-telemetry/gnmi';
import { DeviceModel, matches, type Leaf } from './model';

export type GnmiFault = 'none' | 'refuse' | 'auth' | 'stall' | 'drop' | 'garbage';

export interface GnmiTargetOptions {
  name: string;
  /** A loopback address of its own (127.10.x.y). */
  host: string;
  /** 0 picks a free port. */
  port: number;
  username?: string;
  password?: string;
  /**
   * PEM certificate and key: TLS; absent: plaintext. With `clientCa`, mutual
   * TLS: a client must present a certificate that CA signed.
   */
  tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer };
  interfaces?: number;
  fault?: GnmiFault;
  /** `drop` ends the stream with UNAVAILABLE after this many notifications. */
  dropAfter?: number;
  /** Internal tick (counters move) and oper-status flap periods. */
  tickMs?: number;
  flapMs?: number;
  seed?: number;
  /** Firehose streams stop after this many notifications in all (the benchmarks' fixed load); `onLimit` hears the total. */
  limit?: number;
  onLimit?: (sent: number) => void;
  /** Hears every Notification as it is written to a Subscribe stream (the drills' ledger of what the device sent). */
  onSent?: (notification: Notification) => void;
}

const SUPPORTED: Encoding[] = ['JSON', 'JSON_IETF', 'PROTO'];
const DEFAULT_SAMPLE_MS = 1_000;
const nsToMs = (ns: string | number | undefined) => Number(BigInt(ns ?? 0) / 1_000_000n);

function typed(leaf: Leaf, encoding: Encoding, garbage: boolean): TypedValue {
  if (garbage) return { json_ietf_val: Buffer.from('{not json'), value: 'json_ietf_val' };
  const v = leaf.value;
  if (encoding === 'PROTO') {
    if (typeof v === 'bigint') return { uint_val: v.toString(), value: 'uint_val' };
    if (typeof v === 'number') return { double_val: v, value: 'double_val' };
    return { string_val: v, value: 'string_val' };
  }
  // RFC 7951: 64-bit integers are JSON strings in JSON_IETF; plain JSON carries the number.
  const json = typeof v === 'bigint' ? (encoding === 'JSON_IETF' ? JSON.stringify(v.toString()) : v.toString()) : JSON.stringify(v);
  return encoding === 'JSON_IETF'
    ? { json_ietf_val: Buffer.from(json), value: 'json_ietf_val' }
    : { json_val: Buffer.from(json), value: 'json_val' };
}

/** One simulated gNMI target: a gRPC server on its own address, with faults to inject. */
export class GnmiTarget {
  readonly model: DeviceModel;
  private server: Server | undefined;
  private timers: NodeJS.Timeout[] = [];
  private readonly flapListeners = new Set<(leaf: Leaf) => void>();
  port = 0;
  /** Notifications sent, over every stream. */
  sent = 0;
  private readonly calls = new Set<ServerDuplexStream<SubscribeRequest, SubscribeResponse>>();

  constructor(readonly options: GnmiTargetOptions) {
    this.model = new DeviceModel(options.interfaces ?? 8, options.seed ?? 7);
  }

  get address(): string {
    return `${this.options.host}:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.options.fault === 'refuse') {
      this.port = this.options.port; // nothing listens
      return;
    }
    const server = new Server({ 'grpc.keepalive_permit_without_calls': 1, 'grpc.http2.min_ping_interval_without_data_ms': 100 } as never);
    server.addService(gnmiService().service.service, {
      Capabilities: this.capabilities.bind(this),
      Get: this.get.bind(this),
      Set: (_call: unknown, cb: sendUnaryData<unknown>) => cb({ code: status.UNIMPLEMENTED, details: 'the simulator is read-only' }),
      Subscribe: this.subscribe.bind(this),
    });
    const creds = this.options.tls
      ? ServerCredentials.createSsl(
          this.options.tls.clientCa ?? null,
          [{ cert_chain: this.options.tls.cert, private_key: this.options.tls.key }],
          this.options.tls.clientCa !== undefined,
        )
      : ServerCredentials.createInsecure();
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${this.options.host}:${this.options.port}`, creds, (error, port) => (error ? reject(error) : resolve(port))),
    );
    this.server = server;
    this.timers.push(setInterval(() => this.model.tick(), this.options.tickMs ?? 1_000));
    this.timers.push(
      setInterval(() => {
        const leaf = this.model.flap();
        for (const listener of this.flapListeners) listener(leaf);
      }, this.options.flapMs ?? 5_000),
    );
    for (const t of this.timers) t.unref();
  }

  /** Subscribe streams open now. */
  get openStreams(): number {
    return this.calls.size;
  }

  /** The client address of each open Subscribe stream (host:port): two collectors on one device show as two. */
  get peers(): string[] {
    return [...this.calls].map((call) => call.getPeer());
  }

  /** The most Subscribe streams ever open at once (two clients collecting one device shows as 2). */
  peakOpenStreams = 0;

  /** Subscribe streams ever opened (a restarted subscription shows as one more). */
  subscribeCalls = 0;

  /** Ends every open Subscribe with UNAVAILABLE (a link flap, a supervisor restart); keeps listening. Returns how many. */
  drop(): number {
    const calls = [...this.calls];
    this.calls.clear();
    for (const call of calls) call.emit('error', { code: status.UNAVAILABLE, details: 'the simulated target dropped every session' });
    return calls.length;
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    const server = this.server;
    this.server = undefined;
    // Open streams end first; a client that lingers is cut after a second.
    this.drop();
    if (server)
      await new Promise<void>((resolve) => {
        const cut = setTimeout(resolve, 1_000);
        server.tryShutdown(() => {
          clearTimeout(cut);
          resolve();
        });
      });
    server?.forceShutdown();
  }

  private authorized(md: Metadata): boolean {
    if (this.options.fault === 'auth') return false;
    if (this.options.username === undefined) return true;
    return md.get('username')[0] === this.options.username && md.get('password')[0] === this.options.password;
  }

  private capabilities(call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void {
    if (!this.authorized(call.metadata)) return callback({ code: status.UNAUTHENTICATED, details: 'bad username or password' });
    callback(null, {
      supported_models: [
        { name: 'openconfig-interfaces', organization: 'OpenConfig working group', version: '3.5.0' },
        { name: 'openconfig-system', organization: 'OpenConfig working group', version: '2.1.0' },
      ],
      supported_encodings: SUPPORTED,
      gNMI_version: '0.10.0',
    });
  }

  private leavesFor(prefix: Path | undefined, paths: Path[]): Leaf[] {
    const patterns = paths.map((p) => joinPath(prefix, p).elem ?? []);
    return this.model.leaves.filter((leaf) => patterns.some((p) => matches(p, leaf)));
  }

  /** Leaves grouped into one Notification per entity (an interface, the system). */
  private notifications(leaves: Leaf[], encoding: Encoding): Notification[] {
    const groups = new Map<Leaf['prefix'], Leaf[]>();
    for (const leaf of leaves) {
      const group = groups.get(leaf.prefix);
      if (group) group.push(leaf);
      else groups.set(leaf.prefix, [leaf]);
    }
    const timestamp = (BigInt(Date.now()) * 1_000_000n + BigInt(this.sent % 1_000_000)).toString();
    const garbage = this.options.fault === 'garbage';
    return [...groups].map(([prefix, group]) => ({
      timestamp,
      prefix: { elem: prefix, ...(this.options.name ? { target: this.options.name } : {}) },
      update: group.map((leaf) => ({ path: { elem: leaf.rel }, val: typed(leaf, encoding, garbage) })),
    }));
  }

  private get(
    call: ServerUnaryCall<{ prefix?: Path; path?: Path[]; encoding?: Encoding }, unknown>,
    callback: sendUnaryData<unknown>,
  ): void {
    if (!this.authorized(call.metadata)) return callback({ code: status.UNAUTHENTICATED, details: 'bad username or password' });
    const encoding = call.request.encoding ?? 'JSON';
    if (!SUPPORTED.includes(encoding)) return callback({ code: status.INVALID_ARGUMENT, details: `encoding ${encoding} not supported` });
    const leaves = this.leavesFor(call.request.prefix, call.request.path ?? []);
    if (leaves.length === 0) return callback({ code: status.NOT_FOUND, details: 'no data at those paths' });
    callback(null, { notification: this.notifications(leaves, encoding) });
  }

  private subscribe(call: ServerDuplexStream<SubscribeRequest, SubscribeResponse>): void {
    const cleanups: Array<() => void> = [];
    this.calls.add(call);
    this.subscribeCalls += 1;
    this.peakOpenStreams = Math.max(this.peakOpenStreams, this.calls.size);
    const end = () => {
      this.calls.delete(call);
      cleanups.splice(0).forEach((c) => c());
    };
    call.on('cancelled', end);
    call.on('error', end);
    call.on('close', end);
    if (!this.authorized(call.metadata)) {
      call.emit('error', { code: status.UNAUTHENTICATED, details: 'bad username or password' });
      return;
    }
    let list: SubscriptionList | undefined;
    let stalled = false;
    const send = async (response: SubscribeResponse): Promise<void> => {
      // A stream that has ended (cancelled, dropped, its client gone) takes nothing more: nothing is counted as sent on it.
      if (stalled || !this.calls.has(call)) return;
      if (response.update) {
        this.sent += 1;
        if (this.options.fault === 'drop' && this.sent >= (this.options.dropAfter ?? 10)) {
          call.emit('error', { code: status.UNAVAILABLE, details: 'the simulated target dropped the stream' });
          stalled = true;
          return;
        }
        this.options.onSent?.(response.update);
      }
      // Respect the client's flow control: wait for drain when the buffer is full.
      if (!call.write(response)) await new Promise((r) => call.once('drain', r));
    };
    const sendAll = async (leaves: Leaf[]) => {
      for (const n of this.notifications(leaves, list!.encoding ?? 'JSON')) await send({ update: n });
    };

    call.on('data', (request: SubscribeRequest) => {
      if (request.poll !== undefined && list) {
        if (list.mode !== 'POLL')
          return call.emit('error', { code: status.INVALID_ARGUMENT, details: 'poll on a subscription that is not POLL' });
        void sendAll(
          this.leavesFor(
            list.prefix,
            (list.subscription ?? []).map((s) => s.path ?? {}),
          ),
        ).then(() => send({ sync_response: true }));
        return;
      }
      if (!request.subscribe || list)
        return call.emit('error', { code: status.INVALID_ARGUMENT, details: 'the first message must be a SubscriptionList' });
      list = request.subscribe;
      const encoding = list.encoding ?? 'JSON';
      if (!SUPPORTED.includes(encoding))
        return call.emit('error', { code: status.INVALID_ARGUMENT, details: `encoding ${encoding} not supported` });
      if (this.options.fault === 'stall') {
        stalled = true; // accepted, then silence
        return;
      }
      const subs = list.subscription ?? [];
      const all = this.leavesFor(
        list.prefix,
        subs.map((s) => s.path ?? {}),
      );
      void (async () => {
        if (!list!.updates_only) await sendAll(all);
        await send({ sync_response: true });
        if (list!.mode === 'ONCE') return call.end();
        if (list!.mode === 'POLL') return;
        for (const sub of subs) this.stream(sub, list!, send, cleanups);
      })();
    });
  }

  /** STREAM mode for one subscription: SAMPLE on a timer (or as fast as flow control allows), ON_CHANGE on flaps. */
  private stream(
    sub: Subscription,
    list: SubscriptionList,
    send: (r: SubscribeResponse) => Promise<void>,
    cleanups: Array<() => void>,
  ): void {
    const leaves = this.leavesFor(list.prefix, [sub.path ?? {}]);
    const encoding = list.encoding ?? 'JSON';
    const mode = sub.mode ?? 'TARGET_DEFINED';
    const sample = async (only: Leaf[]) => {
      for (const n of this.notifications(only, encoding)) await send({ update: n });
    };
    const onChange = (changedKinds: Array<Leaf['kind']>) => {
      const listener = (leaf: Leaf) => {
        if (leaves.includes(leaf)) void sample([leaf]);
      };
      this.flapListeners.add(listener);
      cleanups.push(() => this.flapListeners.delete(listener));
      // Counters change all the time: ON_CHANGE reports them on each tick.
      const changing = leaves.filter((l) => changedKinds.includes(l.kind));
      if (changing.length > 0) startTimer(this.options.tickMs ?? 1_000, () => sample(changing));
    };
    const startTimer = (ms: number, fn: () => Promise<void>) => {
      const timer = setInterval(() => void fn(), ms);
      cleanups.push(() => clearInterval(timer));
    };
    if (mode === 'ON_CHANGE') return onChange(['counter', 'gauge']);
    const interval = nsToMs(sub.sample_interval) || DEFAULT_SAMPLE_MS;
    const sampled = mode === 'SAMPLE' ? leaves : leaves.filter((l) => l.kind !== 'status');
    if (mode === 'TARGET_DEFINED') onChange([]);
    if (sub.sample_interval !== undefined && BigInt(sub.sample_interval) > 0n && BigInt(sub.sample_interval) <= 1_000_000n) {
      // A millisecond or less: as fast as the client takes them (the benchmarks' firehose).
      let running = true;
      cleanups.push(() => (running = false));
      void (async () => {
        const limit = this.options.limit ?? Infinity;
        while (running && this.sent < limit) {
          this.model.tick();
          await sample(sampled);
          await new Promise((r) => setImmediate(r));
        }
        if (running) this.options.onLimit?.(this.sent);
      })();
      return;
    }
    const versions = new Map<Leaf, number>();
    let lastSent = Date.now();
    const heartbeat = nsToMs(sub.heartbeat_interval);
    startTimer(interval, async () => {
      let due = sampled;
      if (sub.suppress_redundant) {
        const beat = heartbeat > 0 && Date.now() - lastSent >= heartbeat;
        due = beat ? sampled : sampled.filter((l) => versions.get(l) !== l.version);
      }
      if (due.length === 0) return;
      for (const l of due) versions.set(l, l.version);
      lastSent = Date.now();
      await sample(due);
    });
  }
}
