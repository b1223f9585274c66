import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hashPassword, setPasswordLine } from '@mq/broker';
import { EXIT } from './errors.js';

const USAGE =
  'usage: mq-broker passwd FILE USER   (the password is read from stdin, or prompted for on a terminal)\n';

/** Reads the password: hidden typing on a terminal, else the first line of stdin. */
function readPassword(stdin: NodeJS.ReadStream, stderr: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = '';
    const tty = stdin.isTTY === true;
    if (tty) {
      stderr.write('Password: ');
      stdin.setRawMode(true);
    }
    const finish = (value: string) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      if (tty) {
        stdin.setRawMode(false);
        stderr.write('\n');
      }
      stdin.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\n' || ch === '\r') return finish(typed);
        if (tty && ch === '\u0003') {
          stdin.setRawMode(false);
          return reject(new Error('cancelled'));
        }
        if (tty && (ch === '\u007f' || ch === '\b')) typed = typed.slice(0, -1);
        else typed += ch;
      }
    };
    const onEnd = () => finish(typed);
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.resume();
  });
}

/** `mq-broker passwd FILE USER`: adds or replaces USER's line in FILE (created if missing); returns the exit code. */
export async function runPasswd(
  args: readonly string[],
  io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number> {
  const [file, user, ...extra] = args;
  if (!file || !user || extra.length > 0) {
    io.stderr.write(USAGE);
    return EXIT.usage;
  }
  let password: string;
  try {
    password = await readPassword(io.stdin, io.stderr);
  } catch {
    return EXIT.failure;
  }
  if (password === '') {
    io.stderr.write('mq-broker passwd: empty password refused\n');
    return EXIT.usage;
  }
  try {
    const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
    const text = setPasswordLine(before, user, await hashPassword(password));
    writeFileSync(file, text, { mode: 0o600 });
  } catch (error) {
    io.stderr.write(`mq-broker passwd: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.failure;
  }
  io.stdout.write(`password set for ${user} in ${file}\n`);
  return EXIT.ok;
}
