// A set that remembers only its most recently added members, so a long-running process can keep a "seen"
// shortcut without growing forever. Callers must treat a miss as "unknown", never as "absent".
export class RecentSet<T> {
  // A Set iterates in insertion order: its first member is the oldest.
  private readonly members = new Set<T>();

  constructor(private readonly capacity: number) {}

  has(member: T): boolean {
    return this.members.has(member);
  }

  add(member: T): void {
    this.members.delete(member);
    this.members.add(member);
    if (this.members.size > this.capacity) this.members.delete(this.members.values().next().value as T);
  }
}
