/**
 * A deliberately plain matcher written straight from the spec text, used as the oracle in the
 * differential tests. No tries, no shortcuts.
 */
export function referenceMatches(filter: string, topic: string, dollarRule = true): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  // [MQTT-4.7.2-1] wildcard-first filters do not see `$` topics.
  if (dollarRule && topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    // `#` matches the parent level and any number of levels below it.
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
