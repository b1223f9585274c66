/*
 * Relations between an ACL topic pattern and a topic name or subscription filter, with the matching
 * rules of @mq/topic-trie: '+' is one level, '#' is this level and all below (including the parent), and
 * wildcards at the first level do not match topics starting with '$' [MQTT-4.7.2-1].
 */

const dollarGuard = (pattern: string[], other: string[]): boolean =>
  (other[0] ?? '').startsWith('$') && (pattern[0] === '+' || pattern[0] === '#');

/** The pattern matches the topic name. */
export function patternMatchesTopic(pattern: string, topic: string): boolean {
  const p = pattern.split('/');
  const t = topic.split('/');
  if (dollarGuard(p, t)) return false;
  for (let i = 0; i < p.length; i++) {
    const level = p[i];
    if (level === '#') return true;
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return p.length === t.length;
}

/** Every topic the filter matches is matched by the pattern (the filter is within the permission). */
export function patternCoversFilter(pattern: string, filter: string): boolean {
  const p = pattern.split('/');
  const f = filter.split('/');
  if (dollarGuard(p, f)) return false;
  for (let i = 0; i < p.length; i++) {
    const level = p[i];
    if (level === '#') return true;
    const other = f[i];
    if (other === undefined) return false;
    if (other === '#') return false;
    if (level === '+') continue;
    if (other === '+' || other !== level) return false;
  }
  return p.length === f.length;
}

/** Some topic is matched by both (a subscription on the filter could receive something the pattern governs). */
export function patternOverlapsFilter(pattern: string, filter: string): boolean {
  const p = pattern.split('/');
  const f = filter.split('/');
  if (dollarGuard(p, f) || dollarGuard(f, p)) return false;
  const n = Math.max(p.length, f.length);
  for (let i = 0; i < n; i++) {
    const a = p[i];
    const b = f[i];
    if (a === '#' || b === '#') return true;
    if (a === undefined || b === undefined) return false;
    if (a !== '+' && b !== '+' && a !== b) return false;
  }
  return true;
}
