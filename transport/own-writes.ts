// The seq ranges this process's embedded publisher committed. The DuckDB file is locked to this process and
// those rows hold observations built here (ids computed by makeObservation), so a subscriber need not
// recompute their ids on the way out; a row from before this process opened the file, or written past the
// publisher, is not in here and is checked in full.
export class OwnWrites {
  // Disjoint half-open [from, to) ranges in seq order; consecutive commits merge into one.
  private readonly ranges: [bigint, bigint][] = [];

  add(from: bigint, count: number): void {
    if (count <= 0) return;
    const to = from + BigInt(count);
    const last = this.ranges.at(-1);
    if (last && last[1] === from) last[1] = to;
    else this.ranges.push([from, to]);
  }

  has(seq: bigint): boolean {
    // Newest first: a subscriber reads close behind the publisher.
    for (let i = this.ranges.length - 1; i >= 0; i--) {
      const [from, to] = this.ranges[i]!;
      if (seq >= to) return false;
      if (seq >= from) return true;
    }
    return false;
  }
}
