import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRefusedError, readBoundedFile, readBoundedFileSync, readNamedFile, readNamedFileSync } from './bounded-file';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';
import { z } from 'zod';

const opts = { maxBytes: 1_024, what: 'test file' };
let dir: string;
let outside: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'st-named-'));
  outside = mkdtempSync(join(tmpdir(), 'st-outside-'));
  writeFileSync(join(dir, 'ok'), 'admin:pw');
  writeFileSync(join(outside, 'secret'), 'not yours');
  writeFileSync(join(dir, 'big'), Buffer.alloc(2_048, 65));
  symlinkSync('/dev/zero', join(dir, 'zero'));
  symlinkSync(join(outside, 'secret'), join(dir, 'escape'));
  // Kubernetes Secret layout: name -> ..data/name, ..data -> ..2026_11_27
  mkdirSync(join(dir, '..2026_11_27'));
  writeFileSync(join(dir, '..2026_11_27', 'mounted'), 'from a secret');
  symlinkSync('..2026_11_27', join(dir, '..data'));
  symlinkSync(join('..data', 'mounted'), join(dir, 'mounted'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe('bounded file reads', () => {
  it('reads a small regular file, sync and async', async () => {
    expect((await readBoundedFile(join(dir, 'ok'), opts)).toString()).toBe('admin:pw');
    expect(readBoundedFileSync(join(dir, 'ok'), opts).toString()).toBe('admin:pw');
  });

  it.each(['/dev/zero', '/proc/self/environ', '/tmp', 'fifo'])(
    'refuses %s (not a regular file of bounded size) without hanging',
    async (path) => {
      const full = path.startsWith('/') ? path : join(dir, path);
      const started = Date.now();
      await expect(readBoundedFile(full, opts)).rejects.toBeInstanceOf(FileRefusedError);
      expect(() => readBoundedFileSync(full, opts)).toThrow(FileRefusedError);
      expect(Date.now() - started).toBeLessThan(1_000);
    },
  );

  it('refuses a file above the limit and names the limit', async () => {
    await expect(readBoundedFile(join(dir, 'big'), opts)).rejects.toThrow(/larger than 1024 bytes/);
  });
});

describe('named files in an operator directory', () => {
  it('reads a plain name, including a Kubernetes Secret mount made of symlinks', async () => {
    expect((await readNamedFile(dir, 'ok', opts)).toString()).toBe('admin:pw');
    expect((await readNamedFile(dir, 'mounted', opts)).toString()).toBe('from a secret');
    expect(readNamedFileSync(dir, 'mounted', opts).toString()).toBe('from a secret');
  });

  it.each(['../outside', '/etc/passwd', 'a/b', '..data', '', '.hidden'])('refuses the name %j', async (name) => {
    await expect(readNamedFile(dir, name, opts)).rejects.toBeInstanceOf(FileRefusedError);
  });

  it('refuses a symlink that leads outside the directory or to a device', async () => {
    await expect(readNamedFile(dir, 'escape', opts)).rejects.toThrow(/leads outside/);
    await expect(readNamedFile(dir, 'zero', opts)).rejects.toThrow(/leads outside|not a regular file/);
    expect(() => readNamedFileSync(dir, 'escape', opts)).toThrow(FileRefusedError);
  });

  it('refuses a name that does not exist, with a message that is not the content', async () => {
    await expect(readNamedFile(dir, 'missing', opts)).rejects.toThrow(/does not exist/);
  });
});

describe('loadConfig *_FILE', () => {
  it('refuses /dev/zero as a secret file instead of reading it forever', () => {
    const schema = z.object({ TOKEN: z.string() });
    try {
      loadConfig(schema, { env: { TOKEN_FILE: '/dev/zero' } });
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems).toContainEqual({
        variable: 'TOKEN_FILE',
        problem: 'cannot read the file (not a regular file)',
      });
    }
  });
});
