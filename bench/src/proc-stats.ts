import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** Linux /proc readings: a broker's CPU seconds and RSS, and whole-host CPU use. */

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process (all its threads), or -1. */
export function processCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return -1;
  }
}

/** Resident set size in KiB, or -1. */
export function rssKb(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : -1;
  } catch {
    return -1;
  }
}

export interface CpuSnapshot {
  readonly atNs: bigint;
  readonly broker: number;
  readonly loader: number;
  readonly hostBusy: number;
  readonly hostTotal: number;
}

function hostCpu(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = values.reduce((sum, v) => sum + v, 0);
    return { busy: total - (values[3] ?? 0) - (values[4] ?? 0), total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export function cpuSnapshot(brokerPid: number): CpuSnapshot {
  const usage = process.cpuUsage();
  const host = hostCpu();
  return {
    atNs: process.hrtime.bigint(),
    broker: processCpuSeconds(brokerPid),
    loader: (usage.user + usage.system) / 1e6,
    hostBusy: host.busy,
    hostTotal: host.total,
  };
}

export interface CpuUse {
  /** Percent of one core. */
  brokerPct: number;
  loaderPct: number;
  /** Percent of one core, summed over all cores (200 = both cores busy). */
  hostPct: number;
}

export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): CpuUse {
  const wall = Number(b.atNs - a.atNs) / 1e9;
  const round = (v: number) => Math.round(v * 10) / 10;
  return {
    brokerPct: a.broker >= 0 && b.broker >= 0 ? round(((b.broker - a.broker) / wall) * 100) : -1,
    loaderPct: round(((b.loader - a.loader) / wall) * 100),
    hostPct:
      b.hostTotal > a.hostTotal
        ? round(((b.hostBusy - a.hostBusy) / (b.hostTotal - a.hostTotal)) * 100 * cpus().length)
        : -1,
  };
}
