/** One subscription as the index stores it: who, on which filter, with what value. */
export interface Subscription<V> {
  readonly subscriberKey: string;
  /** The filter exactly as added, including any `$share/{name}/` prefix. */
  readonly filter: string;
  readonly value: V;
  /** The ShareName for a shared subscription, otherwise undefined. */
  readonly shareName: string | undefined;
}

/** Called once per matching subscription; the object is the index's own, valid until it is removed. */
export type MatchVisitor<V> = (subscription: Subscription<V>) => void;
