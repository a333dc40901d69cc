/**
 * The test support code that other tests trust: the manual clock's ordering promises and the
 * replay hint printed by failing properties.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from './manualClock.ts';
import { replayHint } from './fc.ts';

describe('ManualClock', () => {
  it('PUMP-TEST-CLOCK fires timers in time order, ties in arming order, never early', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimer(() => fired.push(`b@${clock.nowMs()}`), 200);
    clock.setTimer(() => fired.push(`a@${clock.nowMs()}`), 100);
    clock.setTimer(() => fired.push(`c@${clock.nowMs()}`), 200);
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(1000);
    expect(fired).toEqual(['a@100', 'b@200', 'c@200']);
    expect(clock.nowMs()).toBe(1099);
  });

  it('PUMP-TEST-CLOCK a periodic timer fires once per period over a long advance, without drift, until cleared', () => {
    const clock = new ManualClock(5);
    const at: number[] = [];
    const h = clock.startPeriodic(1000, () => at.push(clock.nowMs()));
    clock.advance(3500);
    expect(at).toEqual([1005, 2005, 3005]);
    clock.advance(500);
    expect(at).toEqual([1005, 2005, 3005, 4005]);
    clock.clearTimer(h);
    clock.advance(10_000);
    expect(at).toHaveLength(4);
  });

  it('PUMP-TEST-CLOCK a timer armed from a callback never fires inside the call that armed it, and a cleared one never fires', () => {
    const clock = new ManualClock();
    const log: string[] = [];
    let armedInside = false;
    clock.setTimer(() => {
      log.push('outer');
      clock.setTimer(() => log.push(`inner@${clock.nowMs()}`), 0);
      armedInside = log.includes('inner@100');
    }, 100);
    const cleared = clock.setTimer(() => log.push('cleared'), 50);
    clock.clearTimer(cleared);
    clock.advance(100);
    expect(armedInside).toBe(false);
    expect(log).toEqual(['outer', 'inner@100']);
    expect(clock.pendingCount).toBe(0);
  });

  it('PUMP-TEST-CLOCK refuses to go backwards or re-enter advance', () => {
    const clock = new ManualClock();
    expect(() => clock.advance(-1)).toThrow();
    clock.setTimer(() => clock.advance(1), 1);
    expect(() => clock.advance(5)).toThrow(/inside a timer callback/);
  });
});

describe('replay hint', () => {
  it('PUMP-TEST-FC the replay hint names seed, path, file and the test', () => {
    expect(replayHint(42, '6:1:0', 'test/firmware/dosing.test.ts', "it's x")).toBe(
      "FC_SEED=42 FC_PATH=6:1:0 npx vitest run test/firmware/dosing.test.ts -t 'it'\\''s x'",
    );
  });
});
