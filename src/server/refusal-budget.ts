/**
 * Bounds how many refused requests (answered before their handler ran: 401, 403, 429, 400, …) get
 * an audit record, so that a flood of them cannot fill the store: within each window, at most
 * `perCaller` records for one caller (the user, or the address of an unauthenticated caller) and at
 * most `total` for all callers together. The refusals left out are counted, and the next record
 * written for that caller says how many there were. The table of callers is bounded too: the
 * refusals of callers beyond it are counted together and told with the next record written. Per
 * server node, in memory.
 */
export interface RefusalBudgetOptions {
  readonly perCaller: number;
  readonly total: number;
  readonly windowMs: number;
  readonly maxCallers: number;
  readonly now: () => number;
}

interface CallerCount {
  recorded: number;
  /** Left out since this caller's last record. */
  unrecorded: number;
}

export class RefusalBudget {
  private readonly callers = new Map<string, CallerCount>();
  private windowStart: number;
  private recordedInWindow = 0;
  /** Left out for callers the table had no room for. */
  private unrecordedUntracked = 0;

  constructor(private readonly options: RefusalBudgetOptions) {
    this.windowStart = options.now();
  }

  /** Whether to record this caller's refusal: null if not (it is counted), else how many were left out before it. */
  take(caller: string): { readonly unrecorded: number } | null {
    this.roll();
    let count = this.callers.get(caller);
    if (!count) {
      if (this.callers.size >= this.options.maxCallers) {
        this.unrecordedUntracked += 1;
        return null;
      }
      count = { recorded: 0, unrecorded: 0 };
      this.callers.set(caller, count);
    }
    if (count.recorded >= this.options.perCaller || this.recordedInWindow >= this.options.total) {
      count.unrecorded += 1;
      return null;
    }
    count.recorded += 1;
    this.recordedInWindow += 1;
    const unrecorded = count.unrecorded + this.unrecordedUntracked;
    count.unrecorded = 0;
    this.unrecordedUntracked = 0;
    return { unrecorded };
  }

  /** A new window: counts start again; callers with refusals still to tell are kept. */
  private roll(): void {
    const now = this.options.now();
    if (now - this.windowStart < this.options.windowMs) return;
    this.windowStart = now;
    this.recordedInWindow = 0;
    for (const [caller, count] of this.callers) {
      if (count.unrecorded === 0) this.callers.delete(caller);
      else count.recorded = 0;
    }
  }
}
