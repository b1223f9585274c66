import { describe, expect, it } from 'vitest';
import { freePort } from '../../../test-support/mosquitto.js';
import { runSim } from './processes.js';

describe('mq-sim command line', () => {
  it('--help documents the flags and the bench mode; exit 0', async () => {
    const exit = await runSim(['--help']);
    expect(exit.code).toBe(0);
    for (const text of ['--url', '--sensors', '--rate', '--qos', '--duration', 'bench']) {
      expect(exit.stdout).toContain(text);
    }
    const bench = await runSim(['bench', '--help']);
    expect(bench.code).toBe(0);
    for (const text of ['--publishers', '--subscribers', '--payload-size', 'p99', 'lost']) {
      expect(bench.stdout).toContain(text);
    }
  });

  it('a bad flag gets a clear error and exit code 2', async () => {
    const exit = await runSim(['--sensors', 'lots']);
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain("option '-n, --sensors <n>' argument 'lots' is invalid");
    expect((await runSim(['--bogus'])).code).toBe(2);
  });

  it('bench exits 1 with the reason when the broker cannot be reached', async () => {
    const port = await freePort();
    const exit = await runSim(['bench', '--url', `mqtt://127.0.0.1:${port}`, '--duration', '1']);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain(`cannot connect to mqtt://127.0.0.1:${port}`);
  });

  it('sensors exit 1 when none could connect during the run', async () => {
    const port = await freePort();
    const exit = await runSim(['--url', `mqtt://127.0.0.1:${port}`, '--duration', '1', '--sensors', '1']);
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain('no sensor could connect');
  });
});
