import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Top functions by self time in a V8 .cpuprofile (node --cpu-prof), as a Markdown table. */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

function shortUrl(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const marker = ['/packages/', '/node_modules/.pnpm/', '/node_modules/'].find((m) => path.includes(m));
  if (!marker) return path || '(native)';
  const rest = path.slice(path.lastIndexOf(marker) + marker.length);
  return marker === '/node_modules/.pnpm/' ? rest.slice(rest.indexOf('/node_modules/') + 14) : rest;
}

/** Share of the profile that was not idle (the tsx loader thread of a broker is almost all idle). */
export function busyShare(path: string): number {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const idleIds = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id),
  );
  const samples = profile.samples ?? [];
  if (samples.length === 0) return 0;
  return samples.filter((id) => !idleIds.has(id)).length / samples.length;
}

export function summarizeProfile(path: string, top: number): string {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // Each sample's time is the delta to the next sample.
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i + 1] ?? 0));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (us === 0) continue;
    const frame = node.callFrame;
    const name = frame.functionName || '(anonymous)';
    const file = frame.url ? shortUrl(frame.url) : name;
    const key = frame.url ? `${name} ${file}:${frame.lineNumber + 1}` : name;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
  }
  const idle = byFunction.get('(idle)') ?? 0;
  const rows = [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => `| ${((us / totalUs) * 100).toFixed(1)} | ${(us / 1000).toFixed(0)} | \`${key}\` |`);
  const files = [...byFile]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(
      ([file, us]) => `| ${((us / totalUs) * 100).toFixed(1)} | ${(us / 1000).toFixed(0)} | \`${file}\` |`,
    );
  return [
    `Profiled ${(totalUs / 1e6).toFixed(1)} s, idle ${((idle / totalUs) * 100).toFixed(1)} %.`,
    '',
    '| self % | self ms | function |',
    '| --- | --- | --- |',
    ...rows,
    '',
    '| self % | self ms | file |',
    '| --- | --- | --- |',
    ...files,
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node --import tsx src/profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  process.stdout.write(`${summarizeProfile(file, Number(top ?? 25))}\n`);
}
