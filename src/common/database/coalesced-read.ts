/**
 * One read shared by the callers that ask for it at about the same time, never answered from a
 * read that started before the caller asked. At most one read is in flight; callers that ask while
 * it runs wait for the next one, which starts as soon as it ends and answers all of them. So every
 * caller gets a result whose database snapshot was taken after it asked (PostgreSQL takes it when
 * the statement starts), exactly as if it had run the query itself: a write committed before the
 * call (by any replica) is seen. Under concurrent load this turns one query per call into one per
 * round trip. A failed read fails the callers that shared it, and only them.
 */
export class CoalescedRead<T> {
  private inFlight: Promise<T> | null = null;
  private next: Promise<T> | null = null;

  constructor(private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.next !== null) return this.next;
    if (this.inFlight === null) return this.start();
    const next = this.inFlight.then(
      () => this.start(),
      () => this.start(),
    );
    this.next = next;
    return next;
  }

  private start(): Promise<T> {
    this.next = null;
    const read = this.read().finally(() => {
      if (this.inFlight === read) this.inFlight = null;
    });
    this.inFlight = read;
    return read;
  }
}
