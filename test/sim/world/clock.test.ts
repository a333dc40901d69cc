/**
 * VirtualClock: the one event queue of a run (sim/world/clock.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../sim/world/clock.ts';
import { checkProperty } from '../../support/fc.ts';

describe('VirtualClock', () => {
  it('PUMP-DETERMINISM runs events in time order, and events due at the same time in insertion order', () => {
    const clock = new VirtualClock();
    const order: string[] = [];
    clock.at(100, () => order.push('a@100'));
    clock.at(50, () => order.push('b@50'));
    clock.at(100, () => order.push('c@100'));
    clock.setTimer(() => order.push('d@50'), 50);
    clock.setTimer(() => order.push('e@0'), 0);
    clock.runUntil(1_000);
    expect(order).toEqual(['e@0', 'b@50', 'd@50', 'a@100', 'c@100']);
    expect(clock.nowMs()).toBe(1_000);
    expect(clock.eventsExecuted).toBe(5);
  });

  it('PUMP-DETERMINISM sets the time to each event as it runs, then to the end of runUntil', () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.setTimer(() => seen.push(clock.nowMs()), 250);
    clock.setTimer(() => seen.push(clock.nowMs()), 1_250);
    clock.runUntil(1_000);
    expect(seen).toEqual([250]);
    expect(clock.nowMs()).toBe(1_000);
    expect(clock.peekMs()).toBe(1_250);
    clock.runUntil(500);
    expect(clock.nowMs()).toBe(1_000);
    clock.runUntil(2_000);
    expect(seen).toEqual([250, 1_250]);
    expect(clock.peekMs()).toBe(Infinity);
  });

  it('PUMP-CLOCK-PERIODIC a periodic timer fires once per period across one long runUntil jump (not once, as SimulatedClock does)', () => {
    const clock = new VirtualClock();
    const firedAt: number[] = [];
    clock.startPeriodic(1_000, () => firedAt.push(clock.nowMs()));
    clock.runUntil(86_400_000);
    expect(firedAt).toHaveLength(86_400);
    expect(firedAt[0]).toBe(1_000);
    expect(firedAt[firedAt.length - 1]).toBe(86_400_000);
    expect(firedAt.every((t, i) => t === (i + 1) * 1_000)).toBe(true);
  });

  it('PUMP-DETERMINISM a timer re-armed inside its own callback fires once per delay across a long jump', () => {
    const clock = new VirtualClock();
    let fired = 0;
    const rearm = (): void => {
      fired++;
      clock.setTimer(rearm, 60_000);
    };
    clock.setTimer(rearm, 60_000);
    clock.runUntil(3_600_000);
    expect(fired).toBe(60);
  });

  it('PUMP-DETERMINISM clearTimer cancels a pending one-shot and a periodic timer; unknown handles are ignored', () => {
    const clock = new VirtualClock();
    let oneShot = 0;
    let periodic = 0;
    const h1 = clock.setTimer(() => oneShot++, 100);
    const h2 = clock.startPeriodic(10, () => periodic++);
    clock.clearTimer(h1);
    clock.runUntil(55);
    expect(periodic).toBe(5);
    clock.clearTimer(h2);
    clock.clearTimer(h2);
    clock.clearTimer(123_456);
    clock.runUntil(1_000);
    expect(oneShot).toBe(0);
    expect(periodic).toBe(5);
    expect(clock.peekMs()).toBe(Infinity);
  });

  it('PUMP-DETERMINISM a periodic timer can clear itself from its own callback', () => {
    const clock = new VirtualClock();
    const firedAt: number[] = [];
    const handle = clock.startPeriodic(1_000, () => {
      firedAt.push(clock.nowMs());
      if (firedAt.length === 3) clock.clearTimer(handle);
    });
    clock.runUntil(10_000);
    expect(firedAt).toEqual([1_000, 2_000, 3_000]);
  });

  it('PUMP-DETERMINISM refuses to schedule in the past; a negative delay means now', () => {
    const clock = new VirtualClock();
    clock.runUntil(5_000);
    expect(() => clock.at(4_999, () => undefined)).toThrow(/past/);
    let ranAt = -1;
    clock.setTimer(() => {
      ranAt = clock.nowMs();
    }, -100);
    clock.runUntil(5_000);
    expect(ranAt).toBe(5_000);
    expect(() => clock.startPeriodic(0, () => undefined)).toThrow(/positive integer/);
    expect(() => clock.startPeriodic(1.5, () => undefined)).toThrow(/positive integer/);
  });

  it('PUMP-DETERMINISM an event calling stopRun ends that runUntil before the next event; the next runUntil goes on', () => {
    const clock = new VirtualClock();
    const ranAt: number[] = [];
    clock.startPeriodic(1_000, () => {
      ranAt.push(clock.nowMs());
      if (clock.nowMs() !== 2_000) return;
      // Due at once, but after the stop: it waits for the next runUntil.
      clock.at(2_000, () => ranAt.push(-clock.nowMs()));
      clock.stopRun();
    });
    clock.runUntil(10_000);
    expect(ranAt).toEqual([1_000, 2_000]);
    expect(clock.nowMs()).toBe(2_000);
    clock.runUntil(4_000);
    expect(ranAt).toEqual([1_000, 2_000, -2_000, 3_000, 4_000]);
    expect(clock.nowMs()).toBe(4_000);
  });

  it('PUMP-DETERMINISM over random schedules, execution order is sorted by (time, insertion sequence)', () => {
    // Each op schedules a timer at the top level; when it fires it may schedule children, and a
    // periodic one fires `repeats` times then clears itself. Some timers are cancelled up front.
    type Op = {
      readonly delayMs: number;
      readonly periodMs: number | null;
      readonly repeats: number;
      readonly cancel: boolean;
      readonly children: readonly number[];
    };
    const op = fc.record({
      delayMs: fc.integer({ min: 0, max: 50 }),
      periodMs: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
      repeats: fc.integer({ min: 1, max: 4 }),
      cancel: fc.boolean(),
      children: fc.array(fc.integer({ min: -5, max: 30 }), { maxLength: 3 }),
    });

    // The model: a plain list of pending timers; the next one is the least (time, seq).
    interface Pending {
      atMs: number;
      seq: number;
      label: string;
      fire: () => void;
    }
    function modelRun(ops: readonly Op[]): string[] {
      const pending: Pending[] = [];
      const order: string[] = [];
      let now = 0;
      let seq = 0;
      const add = (atMs: number, label: string, fire: () => void): Pending => {
        const p = { atMs, seq: seq++, label, fire };
        pending.push(p);
        return p;
      };
      const remove = (p: Pending): void => {
        const i = pending.indexOf(p);
        if (i >= 0) pending.splice(i, 1);
      };
      ops.forEach((o, i) => {
        const children = (): void => o.children.forEach((d, j) => add(now + Math.max(0, d), `${i}.c${j}`, () => order.push(`${i}.c${j}@${now}`)));
        if (o.periodMs === null) {
          const p = add(o.delayMs, `${i}`, () => {
            order.push(`${i}@${now}`);
            children();
          });
          if (o.cancel) remove(p);
        } else {
          const period = o.periodMs;
          let fired = 0;
          const entry: Pending = add(period, `${i}`, () => {
            // Re-armed before the callback runs, with a new sequence number.
            entry.atMs += period;
            entry.seq = seq++;
            pending.push(entry);
            fired++;
            order.push(`${i}#${fired}@${now}`);
            if (fired >= o.repeats) remove(entry);
            children();
          });
          if (o.cancel) remove(entry);
        }
      });
      while (pending.length > 0) {
        let best = pending[0] as Pending;
        for (const p of pending) if (p.atMs < best.atMs || (p.atMs === best.atMs && p.seq < best.seq)) best = p;
        remove(best);
        now = best.atMs;
        best.fire();
      }
      return order;
    }

    function clockRun(ops: readonly Op[]): string[] {
      const clock = new VirtualClock();
      const order: string[] = [];
      ops.forEach((o, i) => {
        const children = (): void =>
          o.children.forEach((d, j) => clock.setTimer(() => order.push(`${i}.c${j}@${clock.nowMs()}`), Math.max(0, d)));
        if (o.periodMs === null) {
          const h = clock.setTimer(() => {
            order.push(`${i}@${clock.nowMs()}`);
            children();
          }, o.delayMs);
          if (o.cancel) clock.clearTimer(h);
        } else {
          let fired = 0;
          const h = clock.startPeriodic(o.periodMs, () => {
            fired++;
            order.push(`${i}#${fired}@${clock.nowMs()}`);
            if (fired >= o.repeats) clock.clearTimer(h);
            children();
          });
          if (o.cancel) clock.clearTimer(h);
        }
      });
      clock.runUntil(10_000);
      return order;
    }

    checkProperty(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const actual = clockRun(ops);
        expect(actual).toEqual(modelRun(ops));
        const times = actual.map((s) => Number(s.slice(s.indexOf('@') + 1)));
        expect(times).toEqual([...times].sort((a, b) => a - b));
      }),
      { seed: 20_240_601, numRuns: 200 },
    );
  });
});
