import { CliError, EXIT } from './exit';

/** `--count N`: a whole number ≥ 1 (or `Infinity`); absent: no limit. */
export function parseCount(text: string | undefined): number {
  if (text === undefined) return Infinity;
  const count = Number(text);
  if (!(count >= 1) || (count !== Infinity && !Number.isInteger(count)))
    throw new CliError(EXIT.USAGE, '--count must be a whole number ≥ 1');
  return count;
}
