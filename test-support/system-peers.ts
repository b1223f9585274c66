import { spawnSync } from 'node:child_process';

/**
 * Whether a Debian-packaged peer (mosquitto, mosquitto_sub, redis-server, chromium) is on PATH.
 * Outside CI a missing peer skips just the tests that need it, with a visible notice;
 * under CI (CI=true) a missing peer is an error, so those tests can never silently skip.
 */
export function hasSystemPeer(bin: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
  if (found) return true;
  if (process.env.CI) {
    throw new Error(`${bin} is required under CI but is not installed (apt-get install it in .ci/run)`);
  }
  console.warn(`NOTICE: ${bin} not installed; skipping the tests that need it`);
  return false;
}
