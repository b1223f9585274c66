import type { z } from 'zod';

/** Renders a value the way a user wrote it, for the "got ..." half of a message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** Edit distance, to suggest the key a typo was meant to be. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

function dotted(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

/** The keys a strict object at `path` accepts, read from the schema itself. */
function knownKeys(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: unknown = schema;
  for (const segment of path) {
    // unwrap() also steps from a list into its element schema, so a list index needs no lookup.
    node = unwrap(node);
    if (typeof segment === 'number') continue;
    const shape = (node as { shape?: Record<string, unknown> }).shape;
    node = shape?.[String(segment)];
  }
  const shape = (unwrap(node) as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}

function unwrap(node: unknown): unknown {
  let current = node as { unwrap?: () => unknown } | undefined;
  while (current && typeof current.unwrap === 'function') current = current.unwrap() as typeof current;
  return current;
}

/**
 * One line per problem: `<source>: <dotted.path>: expected ..., got ...`, where the schema's error
 * option supplies the "expected" phrase. Unknown keys are named, with the closest known key.
 */
export function formatIssues(
  source: string,
  issues: readonly z.core.$ZodIssue[],
  schema: z.ZodType,
): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, issue.path);
      for (const key of issue.keys) {
        const hint = closestKey(key, known);
        const suggestion = hint ? ` (did you mean "${hint}"?)` : '';
        lines.push(
          `${source}: ${dotted([...issue.path, key])}: unknown key "${key}"${suggestion}; expected one of: ${known.join(', ')}`,
        );
      }
      continue;
    }
    const got = 'input' in issue ? describeValue(issue.input) : 'an invalid value';
    lines.push(`${source}: ${dotted(issue.path)}: expected ${issue.message}, got ${got}`);
  }
  return lines;
}
