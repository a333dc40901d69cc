/**
 * The simulated pressure front-end (sim/world/devices/pressureSensor.ts, `SimPressureSensor`) on its rare paths: a
 * second read in the same instant, and a stuck front-end, both hand back the last window computed.
 */
import { describe, expect, it } from 'vitest';
import type { PressureReading } from '../../../../hal/index.ts';
import { Simulation } from '../../../../sim/run/simulation.ts';
import { shortScenario } from '../../../support/simulation.ts';

function okReading(r: ReturnType<Simulation['devices']['pressure']['read']>): PressureReading {
  if (!r.ok) throw new Error(`expected a reading, got ${r.kind}`);
  return r;
}

describe('SimPressureSensor', () => {
  it('PUMP-SENSOR-FAILSAFE a read in the same instant as the last gives the last window again; a stuck front-end repeats it, stamped with the new window', () => {
    const sim = new Simulation({ scenario: shortScenario({ seed: 4 }) });
    const sensor = sim.devices.pressure;
    // Between two control periods (the firmware reads the sensor at every whole second).
    sim.clock.runUntil(3_600_500);
    const last = okReading(sensor.read());
    expect(last.atMs).toBe(3_600_500);
    // The same instant: nothing new to integrate, the last window comes back.
    expect(okReading(sensor.read())).toEqual(last);
    // A stuck front-end: each later read repeats that window's features with its own time.
    sensor.setFault({ mode: 'stuck', magnitude: 0, sinceMs: 3_600_500 });
    sim.clock.runUntil(3_610_500);
    const stuck = okReading(sensor.read());
    expect(stuck.atMs).toBe(3_610_500);
    expect(stuck.windowMs).toBe(500);
    const features = (r: PressureReading) => [r.sampleCount, r.meanMmHg, r.minMmHg, r.maxMmHg, r.cardiacAmplitudeMmHg];
    expect(features(stuck)).toEqual(features(last));
    sim.clock.runUntil(3_620_500);
    expect(features(okReading(sensor.read()))).toEqual(features(last));
  });
});
