import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, EXIT } from './exit';

type Options = NonNullable<ParseArgsConfig['options']>;

/** One command's flags, strictly (an unknown flag or a missing value is a usage error, 64, in one line). */
export function parseFlags<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new CliError(EXIT.USAGE, (err as Error).message.split('\n')[0]!);
  }
}
