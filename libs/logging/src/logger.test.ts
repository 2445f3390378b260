import { Writable } from 'node:stream';
import { REDACTED, componentLogger, createLogger, redact, redactUrl } from './index';

function capture(): { lines: () => Array<Record<string, unknown>>; raw: () => string; stream: Writable } {
  let raw = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      raw += chunk.toString();
      done();
    },
  });
  return {
    stream,
    raw: () => raw,
    lines: () =>
      raw
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes one JSON object per line with app, level, time and msg', () => {
    const out = capture();
    createLogger({ app: 'collector', destination: out.stream }).info({ device: 'leaf-01' }, 'session up');
    const [line] = out.lines();
    expect(line).toMatchObject({ app: 'collector', level: 'info', msg: 'session up', device: 'leaf-01' });
    expect(typeof line?.time).toBe('string');
  });

  it('binds a component on child loggers', () => {
    const out = capture();
    const root = createLogger({ app: 'ingress', destination: out.stream });
    componentLogger(root, 'webhooks', { source: 'nms' }).warn('bad signature');
    expect(out.lines()[0]).toMatchObject({ component: 'webhooks', source: 'nms', msg: 'bad signature' });
  });

  it('never writes passwords, tokens, authorization headers or webhook secrets', () => {
    const out = capture();
    const log = createLogger({ app: 'ingress', destination: out.stream });
    const child = log.child({ token: 'child-binding-token-123' });
    child.info(
      {
        password: 'hunter2-password',
        device: { ssh: { username: 'admin', password: 'hunter3-nested' }, credentials: { key: 'x' } },
        headers: { Authorization: 'Bearer eyJ-secret-bearer', 'content-type': 'application/json' },
        webhook: { name: 'nms', secrets: ['whsec_rotating-secret-1', 'whsec_rotating-secret-2'] },
        apiToken: 'tok-abc-123',
        url: 'postgres://app:db-password-9@db:5432/st',
        list: [{ client_secret: 'list-secret' }],
      },
      'request',
    );
    child.error({ err: new Error('connect nats://svc:nats-pass-7@nats:4222 failed') }, 'oops');
    const raw = out.raw();
    for (const secret of [
      'hunter2-password',
      'hunter3-nested',
      'eyJ-secret-bearer',
      'whsec_rotating-secret-1',
      'whsec_rotating-secret-2',
      'tok-abc-123',
      'db-password-9',
      'list-secret',
      'child-binding-token-123',
      'nats-pass-7',
    ]) {
      expect(raw).not.toContain(secret);
    }
    const [first, second] = out.lines();
    expect(first).toMatchObject({
      password: REDACTED,
      device: { ssh: { username: 'admin', password: REDACTED }, credentials: REDACTED },
      headers: { Authorization: REDACTED, 'content-type': 'application/json' },
      url: `postgres://app:${REDACTED}@db:5432/st`,
    });
    expect(second).toMatchObject({ err: { type: 'Error', message: `connect nats://svc:${REDACTED}@nats:4222 failed` } });
  });

  it('drops lines under the configured level', () => {
    const out = capture();
    const log = createLogger({ app: 'x', level: 'warn', destination: out.stream });
    log.info('hidden');
    log.warn('shown');
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
  });
});

describe('redact', () => {
  it('cuts cycles and keeps error causes', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redact(a)).toEqual({ name: 'a', self: '[circular]' });
    const err = new Error('outer', { cause: new Error('inner') });
    expect(redact(err)).toMatchObject({ message: 'outer', cause: { message: 'inner' } });
  });

  it('masks only the password part of a URL', () => {
    expect(redactUrl('nats://127.0.0.1:4222')).toBe('nats://127.0.0.1:4222');
    expect(redactUrl('nats://user@host:4222')).toBe('nats://user@host:4222');
    expect(redactUrl('see https://a:b@h/x and tls://c:d@e')).toBe(`see https://a:${REDACTED}@h/x and tls://c:${REDACTED}@e`);
  });
});
