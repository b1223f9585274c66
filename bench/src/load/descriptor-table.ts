import { closeSync, openSync } from 'node:fs';

/**
 * The generator opens thousands of sockets from one multi-threaded process, and Linux stalls such a
 * process for an RCU grace period (5-25 ms) each time its descriptor table doubles. Opening /dev/null up
 * to `count` descriptors before a run (and closing them) takes those stalls out of the measured window,
 * so they do not count against the broker. Stops quietly at the open-files limit.
 */
export function reserveDescriptors(count: number): void {
  if (process.platform !== 'linux') return;
  const fds: number[] = [];
  try {
    for (let fd = -1; fd < count; ) {
      fd = openSync('/dev/null', 'r');
      fds.push(fd);
    }
  } catch {
    // The limit was reached: the table is as large as it can usefully be.
  }
  for (const fd of fds) closeSync(fd);
}
