/** The slice of qlobber@8 (CommonJS, ships no types) that the differential test and the bench use. */
declare module 'qlobber' {
  interface QlobberOptions {
    separator?: string;
    wildcard_one?: string;
    wildcard_some?: string;
    match_empty_levels?: boolean;
    max_words?: number;
    max_wildcard_somes?: number;
    cache_adds?: boolean;
  }
  class Qlobber<T = unknown> {
    constructor(options?: QlobberOptions);
    add(topic: string, value: T): this;
    remove(topic: string, value?: T): this;
    match(topic: string): T[];
    matchIter(topic: string): IterableIterator<T>;
    test(topic: string, value: T): boolean;
    clear(): this;
  }
  const qlobber: { Qlobber: typeof Qlobber; QlobberDedup: typeof Qlobber; QlobberTrue: typeof Qlobber };
  export default qlobber;
}
