import { availableParallelism } from "node:os";

/**
 * How many services may be starting at once (spawned, not yet answering their first
 * probe): three per core. Starting is CPU-bound — a builtin child spends most of its first
 * 100 ms loading code — so a few per core keep the cores busy, and more only make every
 * start slower: with 373 starting together, children missed the startup timeout and were
 * restarted over and over.
 */
export const START_SLOTS_PER_CORE = 3;
export const START_SLOTS_MIN = 4;

export function defaultStartSlots(cores = availableParallelism()): number {
  return Math.max(START_SLOTS_MIN, START_SLOTS_PER_CORE * cores);
}

/** A place in line for a start slot; `release()` gives the slot back or leaves the line, and is safe to call twice. */
export interface SlotTicket {
  readonly granted: boolean;
  release(): void;
}

interface Waiter {
  ticket: { granted: boolean };
  onGrant: () => void;
}

/**
 * A counting gate with a FIFO line. Urgent requests (a client waiting on an on-demand
 * service, a person's restart) go to the front of the line, not past the limit. No clock,
 * no I/O: grants happen synchronously, inside `request` or `release`.
 */
export class StartSlots {
  private active = 0;
  private readonly line: Waiter[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`start slots must be a positive integer, got ${limit}`);
  }

  /** Services holding a slot now / waiting for one. */
  get starting(): number {
    return this.active;
  }
  get waiting(): number {
    return this.line.length;
  }

  /** True when a request made now would have to wait. */
  full(): boolean {
    return this.active >= this.limit;
  }

  /** Calls `onGrant` once a slot is free — at once, before returning, when one is free now. */
  request(onGrant: () => void, urgent = false): SlotTicket {
    const state = { granted: false };
    const waiter: Waiter = { ticket: state, onGrant };
    let released = false;
    const ticket: SlotTicket = {
      get granted() {
        return state.granted;
      },
      release: () => {
        if (released) return;
        released = true;
        if (state.granted) {
          this.active -= 1;
          this.grantNext();
        } else {
          const i = this.line.indexOf(waiter);
          if (i >= 0) this.line.splice(i, 1);
        }
      },
    };
    if (urgent) this.line.unshift(waiter);
    else this.line.push(waiter);
    this.grantNext();
    return ticket;
  }

  private grantNext(): void {
    while (this.active < this.limit && this.line.length > 0) {
      const next = this.line.shift()!;
      this.active += 1;
      next.ticket.granted = true;
      next.onGrant();
    }
  }
}
