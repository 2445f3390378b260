import { PERMANENT, errorClass } from '@switch-telemetry/errors';
import { ConfigErrorCodes } from './codes';

/** One bad variable: its name and why (never its value: it may be a secret). */
export interface ConfigProblem {
  variable: string;
  problem: string;
}

/** The start-up error: lists every bad variable at once. */
export class ConfigError extends errorClass(ConfigErrorCodes.INVALID, PERMANENT) {
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(`invalid configuration: ${problems.map((p) => `${p.variable}: ${p.problem}`).join('; ')}`, {
      details: { problems },
    });
  }
}
