/**
 * The items under one filter. A lone item is stored as itself, which saves an array per filter (most
 * filters have one subscriber) and two memory loads per match. Items are never arrays.
 */
export type Bucket<T> = T | T[];

/** An item that remembers its position in its bucket, so removal is O(1) even in huge buckets. */
export interface Slotted {
  slot: number;
}

export function bucketItems<T>(bucket: Bucket<T>): readonly T[] {
  return Array.isArray(bucket) ? bucket : [bucket];
}

/** Add `item` to a bucket, returning the bucket to store. */
export function bucketAdd<T extends Slotted>(bucket: Bucket<T> | undefined, item: T): Bucket<T> {
  if (bucket === undefined) {
    item.slot = 0;
    return item;
  }
  if (!Array.isArray(bucket)) {
    bucket.slot = 0;
    item.slot = 1;
    return [bucket, item];
  }
  item.slot = bucket.length;
  bucket.push(item);
  return bucket;
}

/** Remove `item`; returns the bucket to store (undefined when empty), or null when `item` was absent. */
export function bucketRemove<T extends Slotted>(bucket: Bucket<T>, item: T): Bucket<T> | undefined | null {
  if (!Array.isArray(bucket)) return bucket === item ? undefined : null;
  if (bucket[item.slot] !== item) return null;
  slotRemove(bucket, item);
  if (bucket.length !== 1) return bucket;
  const last = bucket[0]!;
  last.slot = 0;
  return last;
}

/** Append to a list of slotted items. */
export function slotPush<T extends Slotted>(list: T[], item: T): void {
  item.slot = list.length;
  list.push(item);
}

/** Remove a slotted item from its list by moving the last item into its place. */
export function slotRemove<T extends Slotted>(list: T[], item: T): void {
  const at = item.slot;
  const last = list.pop()!;
  if (last !== item) {
    list[at] = last;
    last.slot = at;
  }
}

/** Visit a bucket known to hold several items (callers track the shape, so singles are not inspected). */
export function visitMany<T>(items: readonly T[], visit: (item: T) => void): number {
  for (let k = 0; k < items.length; k++) visit(items[k]!);
  return items.length;
}
