/**
 * The simulated pressure front-end (sim/world/devices/pressureSensor.ts, `SimPressureSensor`) on its rare paths: a
 * second read in the same instant, and a stuck front-end, both hand back the last window computed; and
 * the window's sample count, grid and noise follow the profile's front-end figures (50 Hz or 10 Hz).
 */
import { describe, expect, it } from 'vitest';
import type { PressureReading } from '../../../../hal/index.ts';
import { Simulation } from '../../../../sim/run/simulation.ts';
import { parseScenario } from '../../../../sim/scenario/scenario.ts';
import { shortScenario, shortScenarioInput } from '../../../support/simulation.ts';

/**
 * The firmware's 1-s windows of a run on `profile`, from hour 1 on: a read in the instant the
 * firmware read gives its window again.
 */
function windowsOf(profile: string, count: number): PressureReading[] {
  const sim = new Simulation({ scenario: parseScenario({ ...shortScenarioInput({ seed: 9 }), device: { profile } }) });
  const out: PressureReading[] = [];
  for (let i = 1; i <= count; i++) {
    sim.clock.runUntil(3_600_000 + i * 1000);
    out.push(okReading(sim.devices.pressure.read()));
  }
  return out;
}

/** σ of the window-to-window change of the mean. */
function differenceSdMmHg(w: readonly PressureReading[]): number {
  const d: number[] = [];
  for (let i = 1; i < w.length; i++) d.push((w[i] as PressureReading).meanMmHg - (w[i - 1] as PressureReading).meanMmHg);
  const m = d.reduce((a, b) => a + b, 0) / d.length;
  return Math.sqrt(d.reduce((a, b) => a + (b - m) ** 2, 0) / (d.length - 1));
}

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

  it('PUMP-SENSOR-NOISE a window holds the profile’s samples a second and sits on its resolution: 50 at 0.1 mmHg on port-ambulatory, 10 at 1 mmHg on port-ambulatory-coarse, the coarse mean several times noisier', () => {
    const fine = windowsOf('port-ambulatory', 300);
    const coarse = windowsOf('port-ambulatory-coarse', 300);
    expect(new Set(fine.map((r) => r.sampleCount))).toEqual(new Set([50]));
    expect(new Set(coarse.map((r) => r.sampleCount))).toEqual(new Set([10]));
    const onGrid = (x: number, step: number) => Math.abs(x / step - Math.round(x / step)) < 1e-6;
    for (const r of coarse) for (const x of [r.meanMmHg, r.minMmHg, r.maxMmHg, r.cardiacAmplitudeMmHg]) expect(onGrid(x, 1), `${x}`).toBe(true);
    for (const r of fine) for (const x of [r.meanMmHg, r.cardiacAmplitudeMmHg]) expect(onGrid(x, 0.1), `${x}`).toBe(true);
    // Same seed, same plant, strokes and pulse: what the coarse front-end adds to the variance of a
    // difference of means is its noise, 2σ²/n: 2·16/10 − 2·1/50 = 3.16 mmHg² (±0.5 for 299
    // differences, whose variance is ~6 mmHg² with the pulse's residue and the strokes).
    const addedVariance = differenceSdMmHg(coarse) ** 2 - differenceSdMmHg(fine) ** 2;
    expect(addedVariance).toBeGreaterThan(3.16 - 1);
    expect(addedVariance).toBeLessThan(3.16 + 1);
  });
});
