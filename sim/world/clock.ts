/**
 * The virtual clock: one event queue for everything that happens in a run.
 *
 * Owns: simulated time. Firmware periodic tasks, XState delays (through the HAL `Clock` this
 * implements), operator actions, fault onsets and telemetry samples are all entries of this queue.
 * Promises:
 * - Events run in (time, insertion) order; time never goes backwards; equal seeds and equal
 *   schedules give the same order, whatever the wall-clock pacing (rule 2).
 * - A periodic timer fires at start + k·period exactly, once per period, however far the run jumps
 *   (unlike XState's SimulatedClock, docs/domain.md §6).
 * - Time is integer milliseconds.
 */
import type { Clock, TimerHandle } from '../../hal/index.ts';

interface Entry {
  atMs: number;
  seq: number;
  id: number;
  periodMs: number;
  callback: () => void;
  cancelled: boolean;
}

export class VirtualClock implements Clock {
  private heap: Entry[] = [];
  private byId = new Map<number, Entry>();
  private now = 0;
  private seq = 0;
  private nextId = 1;
  private executed = 0;
  private observed = 0;
  private stopRequested = false;

  nowMs(): number {
    return this.now;
  }

  /** Events executed so far (an observer's samples are not events of the run). */
  get eventsExecuted(): number {
    return this.executed - this.observed;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    return this.schedule(this.now + Math.max(0, Math.round(delayMs)), callback, 0);
  }

  clearTimer(handle: TimerHandle): void {
    const entry = this.byId.get(handle);
    if (entry === undefined) return;
    entry.cancelled = true;
    this.byId.delete(handle);
  }

  startPeriodic(periodMs: number, callback: () => void): TimerHandle {
    if (!(periodMs > 0) || !Number.isInteger(periodMs)) throw new Error(`periodMs must be a positive integer, got ${periodMs}`);
    return this.schedule(this.now + periodMs, callback, periodMs);
  }

  /**
   * A periodic observer (telemetry sampling): fires at start + k·period like `startPeriodic`, and
   * is left out of `eventsExecuted`, so a run observed is counted as the run unobserved. The
   * observer must only read the world; the events of the run keep their order (time, insertion).
   */
  startObserving(periodMs: number, callback: () => void): TimerHandle {
    return this.startPeriodic(periodMs, () => {
      this.observed++;
      callback();
    });
  }

  /** Schedules at an absolute time (not before now). */
  at(atMs: number, callback: () => void): TimerHandle {
    if (atMs < this.now) throw new Error(`cannot schedule in the past: ${atMs} < ${this.now}`);
    return this.schedule(Math.round(atMs), callback, 0);
  }

  /**
   * Ends the `runUntil` under way before its next event, leaving the clock at the event that
   * asked (an event's way of saying "the run is over"). The loop reads a field, so a run that
   * never stops early pays no call per event.
   */
  stopRun(): void {
    this.stopRequested = true;
  }

  /** Time of the next pending event, or Infinity. */
  peekMs(): number {
    this.dropCancelledHead();
    const head = this.heap[0];
    return head === undefined ? Infinity : head.atMs;
  }

  /**
   * Runs every event due at or before `untilMs`, then sets the clock to `untilMs`, unless an event
   * calls `stopRun` first. The dispatch is written out in the loop, and a re-armed head that stays
   * first skips the sift.
   */
  runUntil(untilMs: number): void {
    const heap = this.heap;
    this.stopRequested = false;
    for (;;) {
      if (this.stopRequested) return;
      this.dropCancelledHead();
      const head = heap[0];
      if (head === undefined || head.atMs > untilMs) break;
      this.now = head.atMs;
      this.executed++;
      if (head.periodMs > 0) {
        // Re-arm before running, so a callback that clears its own timer works. A re-armed head
        // still earlier than both its children (the 1 Hz control task, nine times in ten) stays
        // where it is: the sift's first comparison, without entering it.
        head.atMs += head.periodMs;
        head.seq = this.seq++;
        const left = heap[1];
        if (left !== undefined) {
          const right = heap[2];
          const child = right !== undefined && before(right, left) ? right : left;
          if (before(child, head)) this.siftDown(0);
        }
      } else {
        this.popHead();
        this.byId.delete(head.id);
      }
      head.callback();
    }
    if (untilMs > this.now && untilMs !== Infinity) this.now = untilMs;
  }

  private schedule(atMs: number, callback: () => void, periodMs: number): TimerHandle {
    const entry: Entry = { atMs, seq: this.seq++, id: this.nextId++, periodMs, callback, cancelled: false };
    this.byId.set(entry.id, entry);
    this.heap.push(entry);
    this.siftUp(this.heap.length - 1);
    return entry.id;
  }

  private dropCancelledHead(): void {
    for (;;) {
      const head = this.heap[0];
      if (head === undefined || !head.cancelled) return;
      this.popHead();
    }
  }

  private popHead(): void {
    const heap = this.heap;
    const last = heap.pop() as Entry;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const item = heap[index] as Entry;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as Entry;
      if (!before(item, parent)) break;
      heap[index] = parent;
      index = parentIndex;
    }
    heap[index] = item;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[index] as Entry;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(heap[right] as Entry, heap[left] as Entry)) child = right;
      const c = heap[child] as Entry;
      if (!before(c, item)) break;
      heap[index] = c;
      index = child;
    }
    heap[index] = item;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
}
