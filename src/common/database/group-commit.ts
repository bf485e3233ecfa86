/**
 * Group commit: callers hand in one item each and await its result, and the items are written
 * together. While a write is in flight, new items wait and go in the next one, so a quiet system
 * writes each item at once (no added latency) and a busy one writes many per statement (fewer
 * round trips, less CPU per item). At most `maxBatch` items per write.
 *
 * `write` gets the batch and answers one result per item, in order; when it throws, every item of
 * that batch is rejected with the error (each caller handles it as it would its own failure).
 */
export class GroupCommit<T, R> {
  private pending: { item: T; resolve: (result: R) => void; reject: (error: unknown) => void }[] = [];
  private writing = false;

  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxBatch: number,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.maxBatch);
        try {
          const results = await this.write(batch.map((p) => p.item));
          batch.forEach((p, i) => p.resolve(results[i]));
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }
}
