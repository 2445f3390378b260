import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { PERMANENT, errorClass } from '@switch-telemetry/errors';
import { ConfigErrorCodes } from './codes';

/** A file we were asked to read and will not: not a regular file, too large, outside its directory, unreadable. */
export class FileRefusedError extends errorClass(ConfigErrorCodes.FILE_REFUSED, PERMANENT) {}

export interface BoundedFileOptions {
  /** Larger files are refused (a device, /dev/zero or a log must never be read whole). */
  maxBytes: number;
  /** What the file is for, in errors ("CA bundle"). */
  what: string;
}

/** Names an operator gives files in a mounted directory (a Kubernetes Secret key, a ConfigMap key). */
export const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

// O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOCTTY: a terminal must not become ours.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

const shown = (path: string) => JSON.stringify(path.length > 120 ? `${path.slice(0, 117)}...` : path);

function refuse(options: BoundedFileOptions, path: string, why: string, cause?: unknown): FileRefusedError {
  return new FileRefusedError(`${options.what} ${shown(path)}: ${why}`, {
    ...(cause === undefined ? {} : { cause }),
    details: { what: options.what, why },
  });
}

function checkStat(stat: { isFile(): boolean; size: number }, path: string, options: BoundedFileOptions): void {
  if (!stat.isFile()) throw refuse(options, path, 'not a regular file');
  if (stat.size > options.maxBytes) throw refuse(options, path, `larger than ${options.maxBytes} bytes`);
}

/**
 * Reads a regular file of at most `maxBytes`, asynchronously. Anything else
 * (a directory, a device such as /dev/zero, a FIFO, a socket, /proc files
 * that claim size 0 but grow) is refused with FileRefusedError.
 */
export async function readBoundedFile(path: string, options: BoundedFileOptions): Promise<Buffer> {
  let handle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (cause) {
    throw refuse(options, path, `cannot be opened (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, cause);
  }
  try {
    checkStat(await handle.stat(), path, options);
    // Read one byte more than allowed: a file that grew past the limit since fstat is refused too.
    const buffer = Buffer.alloc(options.maxBytes + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > options.maxBytes) throw refuse(options, path, `larger than ${options.maxBytes} bytes`);
    }
    return buffer.subarray(0, length);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** The same rules as readBoundedFile, synchronously (start-up configuration only). */
export function readBoundedFileSync(path: string, options: BoundedFileOptions): Buffer {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (cause) {
    throw refuse(options, path, `cannot be opened (${(cause as NodeJS.ErrnoException).code ?? 'error'})`, cause);
  }
  try {
    checkStat(fstatSync(fd), path, options);
    const buffer = Buffer.alloc(options.maxBytes + 1);
    let length = 0;
    for (;;) {
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > options.maxBytes) throw refuse(options, path, `larger than ${options.maxBytes} bytes`);
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

function insideDir(dirReal: string, fileReal: string): boolean {
  return fileReal.startsWith(dirReal.endsWith(sep) ? dirReal : dirReal + sep);
}

/**
 * Reads the file called `name` in the operator's directory `dir`: the name
 * must be a plain file name (no separators, no `..`), and its real path
 * (after symlinks, as Kubernetes mounts Secrets) must stay inside `dir`.
 */
export async function readNamedFile(dir: string, name: string, options: BoundedFileOptions): Promise<Buffer> {
  if (!FILE_NAME.test(name) || name.includes('..')) throw refuse(options, name, 'is not a plain file name');
  let dirReal: string;
  let fileReal: string;
  try {
    dirReal = await realpath(dir);
    fileReal = await realpath(join(dirReal, name));
  } catch (cause) {
    throw refuse(options, name, `does not exist in ${shown(dir)}`, cause);
  }
  if (!insideDir(dirReal, fileReal)) throw refuse(options, name, `leads outside ${shown(dir)}`);
  return readBoundedFile(fileReal, options);
}

/** readNamedFile, synchronously (start-up and command-line use). */
export function readNamedFileSync(dir: string, name: string, options: BoundedFileOptions): Buffer {
  if (!FILE_NAME.test(name) || name.includes('..')) throw refuse(options, name, 'is not a plain file name');
  let dirReal: string;
  let fileReal: string;
  try {
    dirReal = realpathSync(dir);
    fileReal = realpathSync(join(dirReal, name));
  } catch (cause) {
    throw refuse(options, name, `does not exist in ${shown(dir)}`, cause);
  }
  if (!insideDir(dirReal, fileReal)) throw refuse(options, name, `leads outside ${shown(dir)}`);
  return readBoundedFileSync(fileReal, options);
}
