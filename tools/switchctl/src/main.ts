// switchctl: the command-line tool. Tables on a terminal, JSON lines when
// piped (--output json|table), one line on stderr per error, exit statuses in exit.ts.
import {
  DEAD_JOBS_USAGE,
  DEVICES_USAGE,
  DISCOVER_USAGE,
  ENDPOINTS_USAGE,
  SESSIONS_USAGE,
  deadJobsCommand,
  devicesCommand,
  discoverCommand,
  endpointsCommand,
  sessionsCommand,
  type CommandIo,
} from './api-commands';
import { CliError, EXIT } from './exit';
import { GNMI_USAGE, gnmiCommand } from './gnmi-command';
import { interruptSignal } from './interrupt';
import { NETCONF_USAGE, netconfCommand } from './netconf-command';
import { NETBOX_USAGE, PROFILES_USAGE, netboxCommand, profilesCommand } from './profile-commands';
import { TAIL_USAGE, tailCommand, type StreamIo } from './tail';
import { TOP_USAGE, topCommand } from './top';

const USAGE = `usage: switchctl <command> ...
  devices list|get|subscriptions|add|edit|rm|import   the inventory, over the REST API
  profiles list|get|put|rm                   subscription profiles that devices share
  netbox syncs|objects|sync SOURCE           what a NetBox source did: listings pulled, devices it could not map
  sessions list|get|restart                  device sessions as the collectors report them
  dead-jobs list|retry|rm                    jobs that could not run
  endpoints list|add|rm|enable|test|deliveries|redeliver   alert webhook endpoints and their deliveries
  discover CIDR [--wait 30m] | list | status ID | cancel ID   subnet scans
  gnmi capabilities|get|subscribe            talk to one gNMI target directly
  netconf hello|get|get-config|subscribe     talk to one NETCONF device directly
  tail [--device D] [--path GLOB] [--since 5m]   telemetry as JetStream stores it, live
  top                                        sessions, messages/s, alerts and breakers, refreshed in place
  <command> --help                           the command's options

exit status: 0 ok, 1 failure, 64 usage, 65 undecodable data, 69 connection, 77 authentication`;

type Command = { usage: string; run: (argv: string[], io: CommandIo) => Promise<number> };

const COMMANDS: Record<string, Command> = {
  devices: { usage: DEVICES_USAGE, run: devicesCommand },
  sessions: { usage: SESSIONS_USAGE, run: sessionsCommand },
  'dead-jobs': { usage: DEAD_JOBS_USAGE, run: deadJobsCommand },
  endpoints: { usage: ENDPOINTS_USAGE, run: endpointsCommand },
  profiles: { usage: PROFILES_USAGE, run: profilesCommand },
  netbox: { usage: NETBOX_USAGE, run: netboxCommand },
  discover: { usage: DISCOVER_USAGE, run: discoverCommand },
  gnmi: { usage: GNMI_USAGE, run: (argv, io) => gnmiCommand(argv, io.out, io.env) },
  netconf: { usage: NETCONF_USAGE, run: (argv, io) => netconfCommand(argv, io.out, io.env) },
  tail: { usage: TAIL_USAGE, run: (argv, io) => untilStopped(io, (streamIo) => tailCommand(argv, streamIo)) },
  top: { usage: TOP_USAGE, run: (argv, io) => untilStopped(io, (streamIo) => topCommand(argv, streamIo)) },
};

/** Runs a command that goes on until stopped, with Ctrl-C / SIGTERM / a closed stdout as its signal to stop cleanly. */
async function untilStopped(io: CommandIo, run: (io: StreamIo) => Promise<number>): Promise<number> {
  const interrupt = interruptSignal();
  try {
    return await run({ ...io, err: (line) => process.stderr.write(`${line}\n`), signal: interrupt.signal });
  } finally {
    interrupt.dispose();
  }
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const io: CommandIo = { out: (line) => process.stdout.write(`${line}\n`), env: process.env, isTty: process.stdout.isTTY === true };
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name === undefined ? EXIT.USAGE : EXIT.OK;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new CliError(EXIT.USAGE, `no command "${name.slice(0, 40)}"\n${USAGE}`);
    // The direct device commands take --help before anything else is checked; the API ones parse it themselves.
    if ((name === 'gnmi' || name === 'netconf') && (rest.includes('--help') || rest.includes('-h'))) {
      io.out(command.usage);
      return EXIT.OK;
    }
    return await command.run(rest, io);
  } catch (err) {
    const e = err instanceof CliError ? err : new CliError(EXIT.FAILURE, (err as Error).message);
    // One line, always; the usage text is one --help away.
    const hint = e.exitCode === EXIT.USAGE && command && !e.message.startsWith('usage:') ? ` (see switchctl ${name} --help)` : '';
    process.stderr.write(`switchctl: ${e.message.split('\n')[0]}${hint}\n`);
    return e.exitCode;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
