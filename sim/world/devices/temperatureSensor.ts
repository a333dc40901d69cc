/**
 * The temperature sensor inside the pump (drive and electronics).
 *
 * Owns: the device's temperature: `baseCelsius` (worn on the body, ~32 °C), or what an
 * `overTemperature` fault sets.
 * Promises: a reading is the temperature now, to 0.1 °C; it changes only when a fault sets it.
 */
import type { Clock, HalResult, TemperatureReading, TemperatureSensor } from '../../../hal/index.ts';

/** A pump worn on the body, under clothing. */
export const BODY_WORN_CELSIUS = 32;

export class SimTemperatureSensor implements TemperatureSensor {
  private celsius: number;

  constructor(
    private readonly clock: Clock,
    private readonly baseCelsius = BODY_WORN_CELSIUS,
  ) {
    this.celsius = baseCelsius;
  }

  /** The device at `celsius` from now on (null: back to its base). */
  setCelsius(celsius: number | null): void {
    this.celsius = celsius ?? this.baseCelsius;
  }

  read(): HalResult<TemperatureReading> {
    return { ok: true, atMs: this.clock.nowMs(), celsius: Math.round(this.celsius * 10) / 10 };
  }
}
