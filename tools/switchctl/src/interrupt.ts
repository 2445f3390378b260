/**
 * An AbortSignal that fires on SIGINT or SIGTERM, or when stdout is closed
 * under us (EPIPE: `switchctl tail | head`), so a long-running command stops
 * cleanly (deletes what it made on the server) instead of dying mid-way.
 * Only the commands that run until stopped install it: the others keep Node's
 * default of exiting on a signal.
 */
export function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const stop = (reason: string) => () => controller.abort(reason);
  const onInt = stop('SIGINT');
  const onTerm = stop('SIGTERM');
  const onOutError = (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') controller.abort('EPIPE');
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.stdout.on('error', onOutError);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.stdout.off('error', onOutError);
    },
  };
}
