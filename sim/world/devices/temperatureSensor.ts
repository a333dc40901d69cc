/**
 * The temperature sensor inside the pump (drive and electronics).
 *
 * Owns: reading the device's temperature, which the plant holds (`Plant.deviceCelsius`: the
 * profile's working temperature, or what an `overTemperature` fault sets), so the stroke and the
 * sensor see one truth.
 * Promises: a reading is the temperature now, to 0.1 °C.
 */
import type { Clock, HalResult, TemperatureReading, TemperatureSensor } from '../../../hal/index.ts';

export { BODY_WORN_CELSIUS } from '../profile.ts';

export class SimTemperatureSensor implements TemperatureSensor {
  constructor(
    private readonly clock: Clock,
    private readonly device: { readonly deviceCelsius: number },
  ) {}

  read(): HalResult<TemperatureReading> {
    return { ok: true, atMs: this.clock.nowMs(), celsius: Math.round(this.device.deviceCelsius * 10) / 10 };
  }
}
