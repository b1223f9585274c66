/**
 * The items under one filter. A lone item is stored as itself, which saves an array per filter (most
 * filters have one subscriber) and two memory loads per match. Items are never arrays.
 */
export type Bucket<T> = T | T[];

export function bucketItems<T>(bucket: Bucket<T>): readonly T[] {
  return Array.isArray(bucket) ? bucket : [bucket];
}

/** Add `item` to a bucket, returning the bucket to store. */
export function bucketAdd<T>(bucket: Bucket<T> | undefined, item: T): Bucket<T> {
  if (bucket === undefined) return item;
  if (!Array.isArray(bucket)) return [bucket, item];
  bucket.push(item);
  return bucket;
}

/** Remove `item`; returns the bucket to store (undefined when empty), or null when `item` was absent. */
export function bucketRemove<T>(bucket: Bucket<T>, item: T): Bucket<T> | undefined | null {
  if (!Array.isArray(bucket)) return bucket === item ? undefined : null;
  const at = bucket.indexOf(item);
  if (at < 0) return null;
  const last = bucket.pop()!;
  if (at < bucket.length) bucket[at] = last;
  return bucket.length === 1 ? bucket[0] : bucket;
}

/** Visit a bucket known to hold several items (callers track the shape, so singles are not inspected). */
export function visitMany<T>(items: readonly T[], visit: (item: T) => void): number {
  for (let k = 0; k < items.length; k++) visit(items[k]!);
  return items.length;
}
