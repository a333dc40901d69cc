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
 * Back-pressures the compensation follows, mmHg. Above 150 mmHg the line is not against an
 * artery (hepatic arterial mean ~90 mmHg, peaks of posture and motion below 150) but blocked: the
 * occlusion detectors judge that, and the credit does not follow it further.
 */
export const COMPENSATED_BACK_PRESSURE_MMHG: Range = Object.freeze({ min: 0, max: 150 });
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
  if (kP === 0 && kT === 0) return config.strokeVolumeNl;
  // NaN fails every comparison in `clamp` and would pass through: it counts as unknown.
  const pressureMmHg = backPressureMmHg === null || Number.isNaN(backPressureMmHg) ? 0 : clamp(backPressureMmHg, COMPENSATED_BACK_PRESSURE_MMHG);
  const celsius = temperatureC === null || Number.isNaN(temperatureC) ? config.strokeVolumeReferenceTemperatureC : clamp(temperatureC, COMPENSATED_TEMPERATURE_C);
  const factor = (1 + (kP * pressureMmHg) / 100) * (1 + kT * (celsius - config.strokeVolumeReferenceTemperatureC));
  return Math.max(1, Math.round(config.strokeVolumeNl * factor));
}

/**
 * Strokes of `creditNl` each that bring the credited volume up to `owedStrokes` nominal strokes,
 * with `carryNl` credited already: ceil((owed · nominal − carry) / credit); `owedStrokes` itself
 * when the credit is nominal (the carry is then 0).
 */
export function strokesForCredit(owedStrokes: number, carryNl: number, creditNl: number, strokeVolumeNl: number): number {
  if (creditNl === strokeVolumeNl && carryNl === 0) return owedStrokes;
  return Math.max(0, Math.ceil((owedStrokes * strokeVolumeNl - carryNl) / creditNl));
}
