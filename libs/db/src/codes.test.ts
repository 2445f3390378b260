import { ErrorCodes, assertUniqueCodes } from '@switch-telemetry/errors';
import { DbErrorCodes, databaseName, withDefaultUser } from './index';

describe('db lib', () => {
  it('has unique error codes', () => {
    expect(() => assertUniqueCodes(ErrorCodes, DbErrorCodes)).not.toThrow();
  });

  it('takes the database name from a URL and refuses unsafe ones', () => {
    expect(databaseName('postgres://127.0.0.1:5432/switch_telemetry')).toBe('switch_telemetry');
    expect(() => databaseName('postgres://h/a";DROP')).toThrow('must be 1-63');
  });
});

describe('withDefaultUser', () => {
  it('fills in a user only when the URL has none', () => {
    const saved = process.env.PGUSER;
    process.env.PGUSER = 'collector';
    try {
      expect(withDefaultUser('postgres://127.0.0.1:5432/st')).toBe('postgres://collector@127.0.0.1:5432/st');
      expect(withDefaultUser('postgres://app:pw@db/st')).toBe('postgres://app:pw@db/st');
    } finally {
      if (saved === undefined) delete process.env.PGUSER;
      else process.env.PGUSER = saved;
    }
  });
});
