/**
 * Calendar time as the log and the display write it.
 *
 * Owns: turning the real-time clock's milliseconds since 1970-01-01T00:00:00Z into an ISO 8601
 * UTC text, without the host's date functions (the firmware has none: rule 1).
 * Promises: pure integer arithmetic; `isoFromEpochMs(t)` is what `new Date(t).toISOString()`
 * gives for every t from 1970 to 9999 (the days-to-civil algorithm of H. Hinnant,
 * "chrono-Compatible Low-Level Date Algorithms", proleptic Gregorian calendar).
 */
const MS_PER_DAY = 86_400_000;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** Year, month (1–12) and day (1–31) of the day `days` after 1970-01-01. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since the epoch (UTC). */
export function isoFromEpochMs(epochMs: number): string {
  const t = Math.floor(epochMs);
  const days = Math.floor(t / MS_PER_DAY);
  const msOfDay = t - days * MS_PER_DAY;
  const { year, month, day } = civilFromDays(days);
  const hours = Math.floor(msOfDay / 3_600_000);
  const minutes = Math.floor((msOfDay % 3_600_000) / 60_000);
  const seconds = Math.floor((msOfDay % 60_000) / 1000);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(msOfDay % 1000, 3)}Z`;
}
