/** Strips a `$share/<group>/` prefix: a shared subscription matches like its plain filter. */
export function plainFilter(filter: string): string {
  if (!filter.startsWith('$share/')) return filter;
  const slash = filter.indexOf('/', '$share/'.length);
  return slash === -1 ? filter : filter.slice(slash + 1);
}

/** Whether `topic` matches the MQTT topic filter (`+` one level, `#` the rest, `$` topics kept apart). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = plainFilter(filter).split('/');
  const t = topic.split('/');
  // [MQTT-4.7.2-1] wildcards at the first level do not match topics starting with '$'.
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false;
  for (let i = 0; i < f.length; i++) {
    const part = f[i];
    if (part === '#') return true;
    if (i >= t.length) return false;
    if (part !== '+' && part !== t[i]) return false;
  }
  return f.length === t.length;
}
