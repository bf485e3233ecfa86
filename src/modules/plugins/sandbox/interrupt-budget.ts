/**
 * Deadline checks of one QuickJS runtime. QuickJS calls the interrupt handler at "polls" (function
 * entries, backward jumps), by default every 10 000th. Where the interrupt counter's address is
 * known (QuickJsModuleFactory.interruptCounterOffset), the budget of polls until the next check is
 * rewritten after each check, aiming at one check per SLICE_MS whatever a poll costs. A handler call
 * costs ~0.1 µs, a cheap poll ~30 ns, so the cap of 1 000 polls costs <1% in tight loops and bounds
 * the overrun of a script that alternates cheap and expensive polls to gain a large budget
 * (1 000 × its most expensive builtin call). A single builtin that runs long (a quadratic indexOf)
 * is not interruptible at all: that is what the worker backstop is for.
 */
const SLICE_MS = 2;
/** Small at each VM entry: the first check comes early, before anything is known about the rate. */
const ENTRY_BUDGET = 8;
const MAX_BUDGET = 1_000;

export class InterruptBudget {
  private deadline = Infinity;
  private depth = 0;
  private fired = false;
  private budget = ENTRY_BUDGET;
  private lastPoll = 0;
  private perPoll = 0;

  /**
   * @param writeCounter writes the polls-until-next-check counter inside the VM, or null when its
   *   address is unknown (then QuickJS's fixed interval applies)
   * @param watch worker watchdog slot: holds the deadline in force while this thread is in the VM
   */
  constructor(
    private readonly writeCounter: ((polls: number) => void) | null,
    private readonly watch: Float64Array | null,
    private readonly now: () => number,
  ) {}

  /** Whether the deadline in force fired since the outermost enter(). */
  get interrupted(): boolean {
    return this.fired;
  }

  /** Entering the VM (nested entries keep the outer deadline). */
  enter(deadline: number): void {
    if (this.depth++ > 0) return;
    this.deadline = deadline;
    this.fired = false;
    if (this.watch) this.watch[0] = deadline;
    if (this.writeCounter) {
      this.budget = ENTRY_BUDGET;
      this.perPoll = 0;
      this.lastPoll = performance.now();
      this.writeCounter(ENTRY_BUDGET);
    }
  }

  leave(): void {
    if (--this.depth > 0) return;
    if (this.watch) this.watch[0] = 0;
  }

  /** The interrupt handler: true stops the script. */
  check(): boolean {
    if (this.now() >= this.deadline) {
      this.fired = true;
      return true;
    }
    if (this.writeCounter) {
      // Aim for one check every SLICE_MS whatever a poll costs (a loop of fill(1e6) costs ~12 ms a
      // poll). The estimate falls slowly and the budget at most doubles per check, so a run of cheap
      // polls between expensive ones does not buy a large budget.
      const now = performance.now();
      this.perPoll = Math.max((now - this.lastPoll) / this.budget, this.perPoll / 2);
      this.lastPoll = now;
      const ideal = this.perPoll > 0 ? SLICE_MS / this.perPoll : MAX_BUDGET;
      const next = Math.max(1, Math.floor(Math.min(ideal, this.budget * 2, MAX_BUDGET)));
      this.budget = next;
      this.writeCounter(next);
    }
    return false;
  }
}
