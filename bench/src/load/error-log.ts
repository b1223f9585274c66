/** Counts protocol and connection problems by message, keeping a few distinct texts. */
export class ErrorLog {
  static readonly MAX_DISTINCT = 8;
  total = 0;
  readonly counts = new Map<string, number>();

  add(message: string): void {
    this.total++;
    const seen = this.counts.get(message);
    if (seen !== undefined) this.counts.set(message, seen + 1);
    else if (this.counts.size < ErrorLog.MAX_DISTINCT) this.counts.set(message, 1);
  }

  merge(entries: ReadonlyArray<readonly [string, number]>, total: number): void {
    for (const [message, count] of entries) {
      const seen = this.counts.get(message);
      if (seen !== undefined) this.counts.set(message, seen + count);
      else if (this.counts.size < ErrorLog.MAX_DISTINCT) this.counts.set(message, count);
    }
    this.total += total;
  }

  messages(): string[] {
    return [...this.counts].map(([message, count]) => `${count}x ${message}`);
  }
}
