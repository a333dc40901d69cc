/**
 * The credited stroke volume: what the firmware counts one encoder-confirmed stroke as, from the
 * drive's datasheet characteristic and what the firmware measures (the back-pressure, the
 * device's temperature).
 *
 * Owns: `creditedStrokeVolumeNl` (pure), the smoothing of the back-pressure estimate, and the
 * ranges the compensation is defined over.
 * Promises:
 * - Pure and total: every input is clamped to the characterised range before it is used, an
 *   unknown input (null: no valid reading yet) counts as the nominal condition (0 mmHg, the
 *   reference temperature), so no NaN or out-of-range figure reaches the formula; the result is a
 *   whole number of nanolitres, at least 1.
 * - With both coefficients 0 the credit is `strokeVolumeNl` itself, whatever was measured.
 *
 * Formula (the device's datasheet characteristic, docs/devices.md "Stroke volume against
 * back-pressure and temperature"; the plant moves exactly this on average, sim/world/plant/plant.ts):
 *   credit = round(strokeVolumeNl · (1 + k_P · P/100 mmHg) · (1 + k_T · (T − T_ref)))
 * A stroke against the arterial back-pressure moves less (CADD-Solis discloses about −10 %…+5 % at
 * +100 mmHg; Medfusion 3500 holds ±2 % over −100…+300 mmHg by design): crediting what the stroke
 * moves makes the schedule add strokes until the programmed volume is reached.
 */
import type { DeviceConfig, Range } from '../hal/index.ts';

/**
 * Back-pressures the compensation follows, mmHg: the range a syringe pump of this class holds
 * ±2 % over (Medfusion 3500, −100…+300 mmHg; DOMAIN §7) and the IEC 60601-2-24 back-pressure
 * test's ±100/+300 mmHg. A mean beyond it counts as its bound: the credit does not follow a
 * blocked line to the 400 mmHg backstop, which the occlusion detectors judge.
 */
export const COMPENSATED_BACK_PRESSURE_MMHG: Range = Object.freeze({ min: -100, max: 300 });
/** Device temperatures the compensation follows, °C (the device files' working range). */
export const COMPENSATED_TEMPERATURE_C: Range = Object.freeze({ min: 0, max: 50 });
/**
 * Steps of the back-pressure's exponential mean (a 60 s time constant at 1 Hz): long against the
 * cardiac pulse, the stroke's own pressure step (τ ≈ 0.3 s) and the sensor noise, short against
 * the diurnal swing.
 */
export const BACK_PRESSURE_SMOOTHING_STEPS = 60;

function clamp(value: number, range: Range): number {
  return value < range.min ? range.min : value > range.max ? range.max : value;
}

/** The next back-pressure estimate, mmHg: the first valid mean as it is, then an exponential mean. */
export function smoothedBackPressureMmHg(previousMmHg: number | null, meanMmHg: number): number {
  return previousMmHg === null ? meanMmHg : previousMmHg + (meanMmHg - previousMmHg) / BACK_PRESSURE_SMOOTHING_STEPS;
}

/** Nanolitres one confirmed stroke is credited with, at `backPressureMmHg` and `temperatureC` (null: unknown, nominal). */
export function creditedStrokeVolumeNl(config: DeviceConfig, backPressureMmHg: number | null, temperatureC: number | null): number {
  const kP = config.strokeVolumeBackPressureFractionPer100MmHg;
  const kT = config.strokeVolumeTemperatureFractionPerC;
  // NaN fails every comparison in `clamp` and would pass through: it counts as unknown.
  const pressureMmHg = backPressureMmHg === null || Number.isNaN(backPressureMmHg) ? 0 : clamp(backPressureMmHg, COMPENSATED_BACK_PRESSURE_MMHG);
  const celsius = temperatureC === null || Number.isNaN(temperatureC) ? config.strokeVolumeReferenceTemperatureC : clamp(temperatureC, COMPENSATED_TEMPERATURE_C);
  const factor = (1 + (kP * pressureMmHg) / 100) * (1 + kT * (celsius - config.strokeVolumeReferenceTemperatureC));
  return Math.max(1, Math.round(config.strokeVolumeNl * factor));
}

/**
 * The schedule's cumulative volume after `elapsedMs` of a phase of `totalStrokes` nominal strokes
 * over `durationMs`, nL: floor(total · nominal · elapsed / duration), in integers below 2^53 (the
 * whole strokes q = floor(total · elapsed / duration) and the rest of the division apart).
 */
export function scheduledCreditNl(totalStrokes: number, elapsedMs: number, durationMs: number, strokeVolumeNl: number): number {
  if (durationMs <= 0) return totalStrokes * strokeVolumeNl;
  const clampedMs = Math.min(Math.max(elapsedMs, 0), durationMs);
  const wholeStrokes = Math.floor((totalStrokes * clampedMs) / durationMs);
  const restMsStrokes = totalStrokes * clampedMs - wholeStrokes * durationMs;
  return wholeStrokes * strokeVolumeNl + Math.floor((strokeVolumeNl * restMsStrokes) / durationMs);
}

/**
 * Strokes of `creditNl` each the schedule owes now, with `creditedNl` credited in the phase:
 * every whole credited stroke the scheduled volume is ahead by — so strokes come evenly, one per
 * credit's worth of the programme — and at the phase's end what is left, rounded up to a stroke.
 * With the nominal credit and nothing carried this is the nominal schedule's owed strokes.
 */
export function strokesOwedAtCredit(totalStrokes: number, creditedNl: number, elapsedMs: number, durationMs: number, creditNl: number, strokeVolumeNl: number): number {
  const totalNl = totalStrokes * strokeVolumeNl;
  if (elapsedMs >= durationMs) return Math.max(0, Math.ceil((totalNl - creditedNl) / creditNl));
  return Math.max(0, Math.floor((scheduledCreditNl(totalStrokes, elapsedMs, durationMs, strokeVolumeNl) - creditedNl) / creditNl));
}
