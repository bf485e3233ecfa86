/**
 * Collects a sweep's health reports and hands them to `write` in batches: when `size` are
 * waiting, or `delayMs` after the first of a batch arrived, and whatever is left on drain(). One
 * write at a time, in order, so a sweep holds at most one database connection for its results and
 * a thousand checks cost a few dozen statements instead of a thousand. `write` must not reject: it
 * deals with its own failures.
 */
export class HealthWriteBatch<T> {
  private pending: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly write: (batch: T[]) => Promise<void>,
    private readonly size: number,
    private readonly delayMs: number,
  ) {}

  add(item: T): void {
    this.pending.push(item);
    if (this.pending.length >= this.size) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), this.delayMs);
      this.timer.unref();
    }
  }

  /** Writes what is waiting and resolves once every write started so far has finished. */
  async drain(): Promise<void> {
    this.flush();
    await this.writing;
  }

  private flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.writing = this.writing.then(() => this.write(batch));
  }
}
