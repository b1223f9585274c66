import { closeSync, openSync, readFileSync } from 'node:fs';

/*
 * Linux keeps a process's open files in a table that doubles when a descriptor beyond its end is
 * opened. In a process with more than one thread (every node process: V8 and libuv have worker
 * threads) each doubling waits for an RCU grace period, 5-25 ms during which the event loop stands
 * still. Accepting 10,000 connections crosses six doublings (256 ... 8192), so a connect storm right
 * after start-up lost about 100 ms to them, a sixth of the whole run. Growing the table once, while the
 * broker starts, moves that wait to where nobody is waiting. The table never shrinks.
 */

/** Descriptors left free below the soft RLIMIT_NOFILE while the table is being grown. */
const HEADROOM = 1024;

/** The largest table size already reached by this process (grown once per process, not per broker). */
let reached = 0;

/**
 * Grows the descriptor table so that descriptors below `size` can be opened without a resize, by opening
 * /dev/null until a descriptor reaches it, then closing them all. Capped by the soft RLIMIT_NOFILE less a
 * headroom; Linux only (elsewhere, and when /dev/null cannot be opened, nothing is done). Returns the
 * highest descriptor number reached (0 when nothing was done).
 */
export function growDescriptorTable(size: number): number {
  if (process.platform !== 'linux' || size <= reached) return reached;
  const target = descriptorTarget(size, softDescriptorLimit());
  if (target <= reached) return reached;
  const opened: number[] = [];
  let highest = 0;
  try {
    while (highest < target - 1) {
      highest = openSync('/dev/null', 'r');
      opened.push(highest);
    }
  } catch {
    // Out of descriptors or no /dev/null: keep what was reached.
  } finally {
    for (const fd of opened) closeSync(fd);
  }
  reached = Math.max(reached, highest + 1);
  return reached;
}

/** How far to grow: the size asked for, kept HEADROOM below the soft limit on open files. */
export function descriptorTarget(size: number, softLimit: number | undefined): number {
  return softLimit === undefined ? size : Math.max(0, Math.min(size, softLimit - HEADROOM));
}

/** The soft limit on open files, from /proc (node has no getrlimit); undefined if unlimited or unknown. */
export function softDescriptorLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const value = Number(soft);
    return Number.isFinite(value) && value > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
