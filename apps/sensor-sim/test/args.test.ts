import { describe, expect, it } from 'vitest';
import { parseArgs } from '../src/args.js';

describe('parseArgs: sensors mode', () => {
  it('has useful defaults', () => {
    expect(parseArgs([], '1.0.0')).toEqual({
      mode: 'sensors',
      url: 'mqtt://127.0.0.1:1883',
      qos: 1,
      protocolVersion: undefined,
      username: undefined,
      password: undefined,
      insecure: false,
      json: false,
      sensors: 5,
      rate: 1,
      duration: 0,
      kinds: ['temperature', 'humidity', 'light', 'motion', 'power'],
      prefix: 'sensors',
      seed: undefined,
      quiet: false,
      watch: false,
    });
  });

  it('reads every flag', () => {
    const args = parseArgs(
      [
        '--url',
        'ws://127.0.0.1:8083/mqtt',
        '--sensors',
        '20',
        '--rate',
        '0.5',
        '--qos',
        '2',
        '--duration',
        '30',
        '--kinds',
        'light,motion',
        '--prefix',
        'home/sensors',
        '--seed',
        '9',
        '--mqtt-version',
        '4',
        '--json',
        '--quiet',
      ],
      '1.0.0',
    );
    expect(args).toMatchObject({
      mode: 'sensors',
      url: 'ws://127.0.0.1:8083/mqtt',
      sensors: 20,
      rate: 0.5,
      qos: 2,
      duration: 30,
      kinds: ['light', 'motion'],
      prefix: 'home/sensors',
      seed: 9,
      protocolVersion: 4,
      json: true,
      quiet: true,
    });
  });

  it('documents everything in --help, exit 0', () => {
    const args = parseArgs(['--help'], '1.0.0');
    expect(args).toMatchObject({ mode: 'exit', exitCode: 0 });
    if (args.mode !== 'exit') return;
    for (const text of [
      '--url',
      '--sensors',
      '--rate',
      '--qos',
      '--duration',
      'status',
      'bench',
      'Exit codes',
    ]) {
      expect(args.stdout).toContain(text);
    }
  });

  it.each([
    [['--sensors', 'many'], /--sensors.*expected an integer from 1 to 10000/],
    [['--sensors', '0'], /expected an integer from 1 to 10000/],
    [['--rate', '0'], /expected a number above 0/],
    [['--qos', '3'], /expected an integer from 0 to 2/],
    [['--url', 'http://x'], /expected a mqtt:\/\/, mqtts:\/\/, ws:\/\/ or wss:\/\/ URL/],
    [['--url', 'nonsense'], /expected a URL/],
    [['--kinds', 'temperature,pressure'], /expected a comma-separated list/],
    [['--prefix', 'a/#'], /without wildcards/],
    [['--duration', '-1'], /error/],
    [['--frobnicate'], /unknown option '--frobnicate'/],
  ])('refuses %j with exit code 2 and a clear message', (argv, message) => {
    const args = parseArgs(argv, '1.0.0');
    expect(args).toMatchObject({ mode: 'exit', exitCode: 2 });
    if (args.mode === 'exit') {
      expect(args.stderr).toMatch(message);
      expect(args.stderr).toContain('--help');
    }
  });
});

describe('parseArgs: bench mode', () => {
  it('has defaults and reads its own flags', () => {
    expect(parseArgs(['bench'], '1.0.0')).toMatchObject({
      mode: 'bench',
      publishers: 1,
      subscribers: 1,
      payloadSize: 64,
      qos: 0,
      duration: 10,
      rate: 0,
      topic: 'mq-bench',
      window: 100,
      drain: 5,
    });
    expect(
      parseArgs(
        [
          'bench',
          '-P',
          '4',
          '-S',
          '2',
          '--payload-size',
          '256',
          '--qos',
          '1',
          '--duration',
          '2',
          '--rate',
          '1000',
        ],
        '1.0.0',
      ),
    ).toMatchObject({
      mode: 'bench',
      publishers: 4,
      subscribers: 2,
      payloadSize: 256,
      qos: 1,
      duration: 2,
      rate: 1000,
    });
  });

  it('refuses a payload smaller than the header and sensor-only flags', () => {
    expect(parseArgs(['bench', '--payload-size', '10'], '1.0.0')).toMatchObject({
      mode: 'exit',
      exitCode: 2,
    });
    expect(parseArgs(['bench', '--sensors', '3'], '1.0.0')).toMatchObject({ mode: 'exit', exitCode: 2 });
  });

  it('has its own --help', () => {
    const args = parseArgs(['bench', '--help'], '1.0.0');
    expect(args).toMatchObject({ mode: 'exit', exitCode: 0 });
    if (args.mode === 'exit') expect(args.stdout).toContain('latency');
  });
});
