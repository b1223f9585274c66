import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { StartupError } from './errors.js';
import { type Overrides, parseSettingValue, SETTINGS } from './settings.js';

export type ParsedArgs =
  | { kind: 'run'; overrides: Overrides }
  /** --help, --version or a usage error: print `stdout`/`stderr` and exit with `exitCode`. */
  | { kind: 'exit'; exitCode: number; stdout: string; stderr: string };

const PRECEDENCE_HELP = `
Every option can also be set with its MQ_* environment variable or in the config file.
Precedence: command-line flags > MQ_* environment variables > config file > defaults.

  flag              variable            config file key
${SETTINGS.map(
  (s) =>
    `  ${s.flag
      .replace(/^-\w, /, '')
      .split(' ')[0]
      ?.padEnd(17)} ${s.env.padEnd(19)} ${s.configPath}`,
).join('\n')}

Limits, session, queue, $SYS, TLS listener (mqtts, wss), cluster nodeId/prefix and bridges are set in
the config file only; see mq-broker.example.yaml.

Exit codes: 0 stopped cleanly (SIGINT/SIGTERM), 1 bad config file or start-up failure, 2 bad flag or variable.

Examples:
  mq-broker                                  # 127.0.0.1:1883 (MQTT) and 127.0.0.1:8083/mqtt (WebSocket)
  mq-broker --host 0.0.0.0 --ws-port 0       # all interfaces, no WebSocket
  MQ_PORT=1884 mq-broker --config mq-broker.yaml
  mq-broker passwd passwords alice           # add a user (password prompted, or read from stdin)
  mq-broker --password-file passwords --acl-file acl
  mq-broker --port 1884 --ws-port 0 --redis-url redis://127.0.0.1:6379   # a cluster node
  mq-broker --store sqlite:/var/lib/mq/broker.db   # sessions and retained messages survive restarts
`;

function buildProgram(version: string): Command {
  const program = new Command('mq-broker')
    .description('An MQTT 3.1.1/5.0 broker built on @mq/broker, with safe local defaults.')
    .version(version, '-V, --version', 'print the version and exit')
    .helpOption('-h, --help', 'print this help and exit')
    .allowExcessArguments(false)
    .addHelpText('after', PRECEDENCE_HELP);
  for (const setting of SETTINGS) {
    const help = `${setting.description} [env ${setting.env}]`;
    if (setting.kind === 'boolean') {
      // Both forms exist so the flag can override a config file either way; --no-x is the useful one.
      // --x first, so that commander leaves the value undefined (not true) when neither is given.
      program.addOption(new Option(setting.flag).hideHelp());
      program.addOption(new Option(`--no-${setting.flag.replace(/^--/, '')}`, help));
      continue;
    }
    const option = new Option(setting.flag, help);
    option.argParser((raw: string) => {
      try {
        return parseSettingValue(setting, raw, setting.flag);
      } catch (error) {
        // Commander prefixes the flag and the raw value itself; keep just "expected ..., got ...".
        if (error instanceof StartupError)
          throw new InvalidArgumentError(error.message.replace(/^.*?: /, ''));
        throw error;
      }
    });
    program.addOption(option);
  }
  return program;
}

/** Parses argv (without node and script); never exits the process, so it can be tested. */
export function parseArgs(argv: readonly string[], version: string): ParsedArgs {
  let stdout = '';
  let stderr = '';
  const program = buildProgram(version)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => {
        stdout += text;
      },
      writeErr: (text) => {
        stderr += text;
      },
    });
  try {
    program.parse([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      const exitCode = error.exitCode === 0 ? 0 : 2;
      if (exitCode !== 0 && !stderr.includes('--help')) stderr += "Run 'mq-broker --help' for usage.\n";
      return { kind: 'exit', exitCode, stdout, stderr };
    }
    throw error;
  }
  const options = program.opts<Record<string, unknown>>();
  const overrides: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const value = options[setting.key];
    if (value !== undefined) overrides[setting.key] = value;
  }
  return { kind: 'run', overrides: overrides as Overrides };
}
