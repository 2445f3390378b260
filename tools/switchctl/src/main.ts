// switchctl: the command-line tool (npm run -s switchctl -- ...). JSON lines on
// stdout, one line on stderr per error, exit statuses in exit.ts.
import { CliError, EXIT } from './exit';
import { GNMI_USAGE, gnmiCommand } from './gnmi-command';
import { NETCONF_USAGE, netconfCommand } from './netconf-command';

const USAGE = `usage: switchctl <command> ...
  gnmi capabilities|get|subscribe            talk to one gNMI target (switchctl gnmi --help)
  netconf hello|get|get-config|subscribe     talk to one NETCONF device (switchctl netconf --help)

exit status: 0 ok, 1 failure, 64 usage, 65 undecodable data, 69 connection, 77 authentication`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    if (command === 'gnmi') {
      if (rest.includes('--help')) {
        out(GNMI_USAGE);
        return EXIT.OK;
      }
      return await gnmiCommand(rest, out);
    }
    if (command === 'netconf') {
      if (rest.includes('--help')) {
        out(NETCONF_USAGE);
        return EXIT.OK;
      }
      return await netconfCommand(rest, out);
    }
    if (command === '--help' || command === 'help') {
      out(USAGE);
      return EXIT.OK;
    }
    throw new CliError(EXIT.USAGE, USAGE);
  } catch (err) {
    const e = err instanceof CliError ? err : new CliError(EXIT.FAILURE, (err as Error).message);
    // One line, always; the usage text is one --help away.
    const hint =
      e.exitCode === EXIT.USAGE && !e.message.startsWith('usage:')
        ? ` (see switchctl ${command === 'netconf' ? 'netconf' : 'gnmi'} --help)`
        : '';
    process.stderr.write(`switchctl: ${e.message.split('\n')[0]}${hint}\n`);
    return e.exitCode;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
