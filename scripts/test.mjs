#!/usr/bin/env node
// The one test command: makes sure the system peers the integration tests use are present
// (installs them with apt-get when running as root), then builds and tests every package
// through turbo, and closes with a single "N passed, N failed" line.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const SYSTEM_PEERS = [
  { bin: 'mosquitto', pkg: 'mosquitto' },
  { bin: 'mosquitto_sub', pkg: 'mosquitto-clients' },
  { bin: 'redis-server', pkg: 'redis-server' },
  { bin: 'chromium', pkg: 'chromium' },
  { bin: 'openssl', pkg: 'openssl' },
];

function has(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

function ensureSystemPeers() {
  const missing = SYSTEM_PEERS.filter((p) => !has(p.bin));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((p) => p.pkg))];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && process.env.MQ_NO_APT !== '1') {
    console.log(`[test] installing Debian packages: ${pkgs.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...pkgs], {
      stdio: 'inherit',
      env,
    });
    return;
  }
  console.log(
    `\n[test] NOTICE: ${pkgs.join(', ')} not installed and not root: tests that need them are skipped.\n` +
      `       Install with: sudo apt-get install -y ${pkgs.join(' ')}\n`,
  );
}

/**
 * better-sqlite3 (an optional dependency of @mq/sqlite) compiles a native addon at install; without the
 * Node headers (npm_config_nodedir) or a compiler that fails and pnpm carries on without it. Build it
 * here with the headers of the running Node when they are installed; if it still cannot load, the SQLite
 * tests skip with a notice (and fail under CI).
 */
function ensureSqliteDriver() {
  const cwd = join(root, 'packages', 'sqlite');
  if (!existsSync(cwd)) return 'absent';
  const loads = () =>
    spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], {
      cwd,
      stdio: 'ignore',
    }).status === 0;
  if (loads()) return 'native';
  const env = { ...process.env };
  const prefix = dirname(dirname(process.execPath));
  if (!env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node.h'))) {
    env.npm_config_nodedir = prefix;
  }
  console.log('[test] building the native addon of better-sqlite3 (about a minute)');
  spawnSync('pnpm', ['--filter', '@mq/sqlite', 'rebuild', 'better-sqlite3'], {
    cwd: root,
    stdio: 'inherit',
    env,
  });
  if (loads()) return 'native';
  console.log(
    '\n[test] NOTICE: better-sqlite3 could not be built (it needs python3, make, a C++ compiler and the Node headers):\n' +
      "       the @mq/sqlite tests and the demo broker's SQLite store tests are skipped.\n",
  );
  return 'missing';
}

function collectReports() {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for (const group of ['packages', 'apps']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const file = join(dir, name, '.vitest-report.json');
      if (!existsSync(file)) continue;
      const report = JSON.parse(readFileSync(file, 'utf8'));
      passed += report.numPassedTests ?? 0;
      failed += report.numFailedTests ?? 0;
      // A test file that failed to load has no test results of its own: count it as one failure.
      failed += (report.testResults ?? []).filter(
        (file) => file.status === 'failed' && (file.assertionResults ?? []).length === 0,
      ).length;
      skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    }
  }
  return { passed, failed, skipped };
}

ensureSystemPeers();
process.env.TURBO_TELEMETRY_DISABLED = '1';
// In turbo's cache key too: a run without the driver is never replayed once it is built.
process.env.MQ_SQLITE = ensureSqliteDriver();
// Part of turbo's cache key (turbo.json passes MQ_*): a run that skipped peer tests is never replayed once they exist.
process.env.MQ_PEERS = SYSTEM_PEERS.filter((p) => has(p.bin))
  .map((p) => p.bin)
  .join(',');
const run = spawnSync(
  'pnpm',
  ['exec', 'turbo', 'run', 'test', '--concurrency=1', '--continue', ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
const { passed, failed, skipped } = collectReports();
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
