/**
 * Calendar time without the host's date functions (firmware/calendar.ts), checked against them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkProperty } from '../support/fc.ts';
import { isoFromEpochMs } from '../../firmware/calendar.ts';

describe('calendar time (GIP-4.1.3)', () => {
  it('GIP-4.1.3 the ISO text of any instant from 1970 to 9999 is the host\'s, leap days and year ends included', () => {
    for (const t of [0, Date.UTC(2000, 1, 29, 23, 59, 59, 999), Date.UTC(2024, 11, 31, 23, 59, 59, 999), Date.UTC(2100, 2, 1), Date.UTC(2026, 0, 5, 8)]) {
      expect(isoFromEpochMs(t)).toBe(new Date(t).toISOString());
    }
    checkProperty(
      fc.property(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }), (t) => {
        expect(isoFromEpochMs(t)).toBe(new Date(t).toISOString());
      }),
      { seed: 0xca1e_dae5, numRuns: 200 },
    );
  });
});
