/**
 * A manual test clock: time moves only when the test calls `advance`.
 *
 * Implements hal's `Clock` (`setTimer`/`clearTimer`; XState reaches it through sim/world/board.ts), so the
 * statechart's `after` delays run on it (docs/domain.md §6: not XState's SimulatedClock, whose
 * `increment` fires a re-armed periodic timer once instead of once per period).
 * Promises: callbacks fire in time order (ties in the order they were armed), never early, never
 * from inside the call that armed them; a periodic timer fires at start + k·period for every k
 * passed, with no drift.
 */
import type { Clock, TimerHandle } from '../../hal/index.ts';

interface Timer {
  readonly handle: TimerHandle;
  readonly callback: () => void;
  dueMs: number;
  /** Arming order; breaks ties between timers due at the same instant. */
  seq: number;
  readonly periodMs: number | null;
  readonly startMs: number;
  firings: number;
}

export class ManualClock implements Clock {
  private now: number;
  private nextHandle = 1;
  private nextSeq = 0;
  private readonly timers = new Map<TimerHandle, Timer>();
  private advancing = false;

  constructor(startMs = 0) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    if (!Number.isFinite(delayMs)) throw new Error(`ManualClock.setTimer: delay ${delayMs} is not finite`);
    const handle = this.nextHandle++;
    this.timers.set(handle, {
      handle, callback, dueMs: this.now + Math.max(0, delayMs), seq: this.nextSeq++, periodMs: null, startMs: this.now, firings: 0,
    });
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle);
  }

  startPeriodic(periodMs: number, callback: () => void): TimerHandle {
    if (!(periodMs > 0)) throw new Error(`ManualClock.startPeriodic: period ${periodMs} must be > 0`);
    const handle = this.nextHandle++;
    this.timers.set(handle, { handle, callback, dueMs: this.now + periodMs, seq: this.nextSeq++, periodMs, startMs: this.now, firings: 0 });
    return handle;
  }

  /** Timers armed and not yet fired or cleared (periodic ones count once). */
  get pendingCount(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in time order. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`ManualClock.advance: ${ms} must be ≥ 0`);
    if (this.advancing) throw new Error('ManualClock.advance called from inside a timer callback');
    const targetMs = this.now + ms;
    this.advancing = true;
    try {
      for (;;) {
        const next = this.nextDue(targetMs);
        if (next === null) break;
        this.now = next.dueMs;
        if (next.periodMs === null) {
          this.timers.delete(next.handle);
        } else {
          next.firings += 1;
          next.dueMs = next.startMs + (next.firings + 1) * next.periodMs;
          next.seq = this.nextSeq++;
        }
        next.callback();
      }
      this.now = targetMs;
    } finally {
      this.advancing = false;
    }
  }

  /** Moves time to the absolute instant `atMs` (not backwards). */
  advanceTo(atMs: number): void {
    this.advance(atMs - this.now);
  }

  private nextDue(limitMs: number): Timer | null {
    let best: Timer | null = null;
    for (const t of this.timers.values()) {
      if (t.dueMs > limitMs) continue;
      if (best === null || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.seq < best.seq)) best = t;
    }
    return best;
  }
}
