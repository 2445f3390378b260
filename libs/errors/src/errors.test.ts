import {
  ErrorCodes,
  PERMANENT,
  RETRYABLE,
  SwitchTelemetryError,
  errorClass,
  TimeoutError,
  UNKNOWN,
  assertUniqueCodes,
  classify,
  mayRetry,
  withTimeout,
} from './index';

class BadCredentials extends errorClass('TEST_BAD_CREDENTIALS', PERMANENT) {}

describe('classify', () => {
  it.each([
    ['ECONNREFUSED', RETRYABLE],
    ['ECONNRESET', RETRYABLE],
    ['ETIMEDOUT', RETRYABLE],
    ['ENOENT', UNKNOWN],
  ])('a raw socket error %s is %s', (code, expected) => {
    const err = Object.assign(new Error('socket'), { code });
    expect(classify(err)).toBe(expected);
  });

  it('takes the classification our own errors carry', () => {
    expect(classify(new BadCredentials('nope'))).toBe(PERMANENT);
    expect(mayRetry(new BadCredentials('nope'))).toBe(false);
    expect(classify(new TimeoutError('op', 5))).toBe(RETRYABLE);
  });

  it('calls anything else unknown, and unknown may be retried', () => {
    expect(classify('a string')).toBe(UNKNOWN);
    expect(classify(null)).toBe(UNKNOWN);
    expect(mayRetry(new Error('what'))).toBe(true);
  });
});

describe('withTimeout', () => {
  it('rejects with a TimeoutError naming the operation', async () => {
    const never = new Promise<void>(() => undefined);
    await expect(withTimeout(never, 20, 'nats flush')).rejects.toMatchObject({
      code: ErrorCodes.TIMEOUT,
      message: 'nats flush timed out after 20 ms',
    });
  });

  it('passes a result through untouched', async () => {
    await expect(withTimeout(Promise.resolve(7), 1_000, 'x')).resolves.toBe(7);
  });
});

describe('error values', () => {
  it('keep the cause and serialise without it', () => {
    const cause = new Error('low level');
    const err = new BadCredentials('login refused', { cause, details: { device: 'leaf-01' } });
    expect(err.cause).toBe(cause);
    expect(err.name).toBe('BadCredentials');
    expect(err).toBeInstanceOf(SwitchTelemetryError);
    expect(err).toBeInstanceOf(BadCredentials);
    expect(err.toJSON()).toEqual({
      name: 'BadCredentials',
      code: 'TEST_BAD_CREDENTIALS',
      classification: 'permanent',
      message: 'login refused',
      details: { device: 'leaf-01' },
    });
  });

  it('codes are unique, and a clash is reported', () => {
    expect(() => assertUniqueCodes(ErrorCodes)).not.toThrow();
    expect(() => assertUniqueCodes({ A: 'X_1' }, { B: 'X_1' })).toThrow('X_1 is used by both A and B');
  });
});
