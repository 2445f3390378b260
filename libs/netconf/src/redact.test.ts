import { REDACTED, redact, redactedCause } from './redact';

describe('redact', () => {
  it('replaces every occurrence of each secret and bounds the length', () => {
    expect(redact('auth failed for s3cret (s3cret)', ['s3cret', undefined, ''])).toBe(`auth failed for ${REDACTED} (${REDACTED})`);
    expect(redact('x'.repeat(1_000), [])).toHaveLength(303);
  });

  it('keeps an error whose whole cause chain is clean, and replaces one where any message names a secret', () => {
    const clean = new Error('connection reset', { cause: new Error('ECONNRESET') });
    expect(redactedCause(clean, ['pw'])).toBe(clean);
    const deep = new Error('handshake failed', { cause: new Error('server said hunter2') });
    expect(redactedCause(deep, ['hunter2'])).not.toBe(deep);
    expect(redactedCause(deep, ['hunter2']).cause).toBeUndefined();
    const dirty = Object.assign(new Error('server said: bad password hunter2'), {
      level: 'client-authentication',
      cause: new Error('hunter2'),
    });
    const copy = redactedCause(dirty, ['hunter2']);
    expect(copy.message).toBe(`server said: bad password ${REDACTED}`);
    expect((copy as Error & { level?: string }).level).toBe('client-authentication');
    expect(copy.cause).toBeUndefined();
  });
});
