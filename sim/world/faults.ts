/**
 * Fault injection: what goes wrong between pump and hepatic artery, and when.
 *
 * Owns: the fault vocabulary of scenarios, its validation, and scheduling each fault's onset and
 * end on the virtual clock against the plant and the device models.
 * Promises: a fault changes the world, never the firmware: the firmware must find it through its
 * HAL readings. Every fault kind, what it does, and the firmware response expected:
 *
 * | kind | plant / device effect | expected firmware response |
 * | --- | --- | --- |
 * | occlusion (line, needle, port, catheter; severity 0–1; rampHours) | resistance R/(1−s) at the location, complete at s = 1; compliance upstream of it only | OCCLUSION (stop now) |
 * | displacement to tissue | tip out of the artery: back-pressure → tissue pressure, no pulse | CATHETER_DISPLACEMENT |
 * | displacement extrahepatic | tip in a gastric/duodenal branch: no pressure change; drug accounted as extrahepatic | none — the pump cannot see it |
 * | needleDislodgement | Huber needle out of the port: drug into the pocket, pressure ≈ 0, no pulse | CATHETER_DISPLACEMENT |
 * | leak (fraction; location) | a share of the flow leaves the path; 1 = disconnection | CATHETER_DISPLACEMENT when complete; a partial leak keeps pressure and pulse and is not seen |
 * | motorStall (permanent / intermittent) | strokes do not happen, encoder silent | MOTOR_STALL (stop now) |
 * | overDelivery (factor) | each stroke moves factor × volume | OVER_INFUSION (flow sensor) |
 * | strokeVolumeDrift (%/day) | stroke volume drifts | OVER_ or UNDER_INFUSION once beyond ±10 % |
 * | sensor (pressure, flow, reservoir; stuck, drift, noise, dropout, offset) | the reading, not the truth | SENSOR_FAULT (pressure: stop) / SENSOR_DEGRADED (flow, gauge: continue) when implausible |
 * | powerLoss (durationMinutes) | firmware off, restarts from NV | none; THERAPY_RESUMED logged |
 * | batteryDepletion (percentPerHour) | battery drains fast | BATTERY_LOW, then BATTERY_DEPLETED (stop) |
 * | arterialPressure (meanMmHg) | hypertension, hypotension, exercise episode | none — alarming here is a false alarm |
 */
import { z } from 'zod';
import { num } from '../scenario/fields.ts';
import type { AlarmCode } from '../../firmware/index.ts';
import type { SensorFault, SensorFaultMode } from './devices.ts';
import type { PlantConditions } from './plant.ts';

const MS_PER_HOUR = 3_600_000;
const MS_PER_MINUTE = 60_000;


const timing = {
  atHours: num('atHours', 0, 24 * 400, 'h'),
  durationMinutes: num('durationMinutes', 0, 60 * 24 * 400, 'min').optional(),
};
const LOCATIONS = ['line', 'needle', 'port', 'catheter'] as const;
const locationSchema = z.enum(LOCATIONS, { error: `location must be one of: ${LOCATIONS.join(', ')}` });

export const faultSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('occlusion'), ...timing, location: locationSchema.default('catheter'), severity: num('severity', 0, 1).default(1), rampHours: num('rampHours', 0, 24 * 30, 'h').optional() }),
    z.strictObject({
      kind: z.literal('displacement'),
      ...timing,
      to: z.enum(['tissue', 'extrahepatic'], { error: 'to must be one of: tissue, extrahepatic' }),
      /** Share of the flow that reaches the extrahepatic branch (extrahepatic only). */
      extrahepaticFraction: num('extrahepaticFraction', 0, 1).default(1),
    }),
    z.strictObject({ kind: z.literal('needleDislodgement'), ...timing }),
    z.strictObject({ kind: z.literal('leak'), ...timing, fraction: num('fraction', 0, 1), location: locationSchema.default('line') }),
    z.strictObject({
      kind: z.literal('motorStall'),
      ...timing,
      mode: z.enum(['permanent', 'intermittent'], { error: 'mode must be one of: permanent, intermittent' }).default('permanent'),
      /** Intermittent: share of strokes that stall. */
      stallProbability: num('stallProbability', 0, 1).default(0.5),
    }),
    z.strictObject({ kind: z.literal('overDelivery'), ...timing, factor: num('factor', 0, 10) }),
    z.strictObject({ kind: z.literal('strokeVolumeDrift'), ...timing, percentPerDay: num('percentPerDay', -50, 50, '%/day') }),
    z.strictObject({
      kind: z.literal('sensor'),
      ...timing,
      sensor: z.enum(['pressure', 'flow', 'reservoir'], { error: 'sensor must be one of: pressure, flow, reservoir' }),
      mode: z.enum(['stuck', 'drift', 'noise', 'dropout', 'offset'], { error: 'mode must be one of: stuck, drift, noise, dropout, offset' }),
      /** In the sensor's unit (mmHg, µL/h, mL); per day for drift; a standard deviation for noise. */
      magnitude: num('magnitude', -1e6, 1e6).optional(),
    }),
    z.strictObject({ kind: z.literal('powerLoss'), ...timing }),
    z.strictObject({ kind: z.literal('batteryDepletion'), ...timing, percentPerHour: num('percentPerHour', 0, 1000, '%/h').default(20) }),
    z.strictObject({ kind: z.literal('arterialPressure'), ...timing, meanMmHg: num('meanMmHg', 20, 250, 'mmHg'), rampMinutes: num('rampMinutes', 0, 600, 'min').default(5) }),
  ],
  {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? 'kind must be one of: occlusion, displacement, needleDislodgement, leak, motorStall, overDelivery, strokeVolumeDrift, sensor, powerLoss, batteryDepletion, arterialPressure'
        : undefined,
  },
);

export type FaultSpec = z.output<typeof faultSchema>;
export type FaultKind = FaultSpec['kind'];

/** Default magnitudes of sensor faults, in the sensor's unit. */
export const SENSOR_FAULT_DEFAULTS: Readonly<Record<'pressure' | 'flow' | 'reservoir', Record<SensorFaultMode, number>>> = Object.freeze({
  pressure: { stuck: 0, drift: 200, noise: 20, dropout: 0, offset: -200 },
  flow: { stuck: 0, drift: 200, noise: 400, dropout: 0, offset: 60 },
  reservoir: { stuck: 0, drift: -5, noise: 3, dropout: 0, offset: -3 },
});

/** The alarm each fault is expected to raise (null: the pump cannot or must not alarm). */
export function expectedAlarms(f: FaultSpec): readonly AlarmCode[] {
  switch (f.kind) {
    case 'occlusion':
      return f.severity >= 1 ? ['OCCLUSION'] : [];
    case 'displacement':
      return f.to === 'tissue' ? ['CATHETER_DISPLACEMENT'] : [];
    case 'needleDislodgement':
      return ['CATHETER_DISPLACEMENT'];
    case 'leak':
      return f.fraction >= 1 ? ['CATHETER_DISPLACEMENT'] : [];
    case 'motorStall':
      return ['MOTOR_STALL'];
    case 'overDelivery':
      return f.factor > 1 ? ['OVER_INFUSION'] : f.factor < 1 ? ['UNDER_INFUSION'] : [];
    case 'strokeVolumeDrift':
      return f.percentPerDay > 0 ? ['OVER_INFUSION'] : f.percentPerDay < 0 ? ['UNDER_INFUSION'] : [];
    case 'sensor':
      return f.sensor === 'pressure' ? ['SENSOR_FAULT'] : f.sensor === 'flow' ? ['SENSOR_DEGRADED', 'OVER_INFUSION', 'UNDER_INFUSION'] : ['SENSOR_DEGRADED', 'RESERVOIR_MISMATCH'];
    case 'powerLoss':
    case 'arterialPressure':
      return [];
    case 'batteryDepletion':
      return ['BATTERY_LOW', 'BATTERY_DEPLETED'];
  }
}

/** What a fault needs from the world it is injected into. */
export interface FaultTarget {
  nowMs(): number;
  at(atMs: number, action: () => void): void;
  setConditions(patch: Partial<PlantConditions>): void;
  conditions(): Readonly<PlantConditions>;
  setSensorFault(sensor: 'pressure' | 'flow' | 'reservoir', fault: SensorFault | null): void;
  addBatteryDrain(percentPerHour: number): void;
  powerCycle(durationMs: number): void;
  baselineArterialMeanMmHg(): number;
  /** Sets one episode's arterial offset; when episodes overlap, the largest excursion holds. */
  setArterialContribution(episode: number, offsetMmHg: number): void;
}

let nextEpisodeId = 0;

/** Steps used to approximate ramps (severity, arterial pressure), per ramp. */
const RAMP_STEPS = 60;

/** Schedules a fault's onset and, if it has a duration, its end. */
export function scheduleFault(f: FaultSpec, target: FaultTarget): void {
  const onsetMs = Math.round(f.atHours * MS_PER_HOUR);
  const endMs = f.durationMinutes === undefined ? null : onsetMs + Math.round(f.durationMinutes * MS_PER_MINUTE);
  const at = (t: number, action: () => void): void => target.at(Math.max(t, target.nowMs()), action);
  const ramp = (rampMs: number, apply: (fraction: number) => void): void => {
    if (rampMs <= 0) {
      at(onsetMs, () => apply(1));
      return;
    }
    for (let i = 1; i <= RAMP_STEPS; i++) at(onsetMs + Math.round((rampMs * i) / RAMP_STEPS), () => apply(i / RAMP_STEPS));
  };
  const end = (action: () => void): void => {
    if (endMs !== null) at(endMs, action);
  };
  switch (f.kind) {
    case 'occlusion': {
      const rampMs = (f.rampHours ?? 0) * MS_PER_HOUR;
      ramp(rampMs, (fraction) => target.setConditions({ occlusion: { location: f.location, severity: f.severity * fraction } }));
      end(() => target.setConditions({ occlusion: null }));
      break;
    }
    case 'displacement':
      at(onsetMs, () => target.setConditions({ tip: f.to, extrahepaticFraction: f.extrahepaticFraction }));
      end(() => target.setConditions({ tip: 'artery' }));
      break;
    case 'needleDislodgement':
      at(onsetMs, () => target.setConditions({ needleInPort: false }));
      end(() => target.setConditions({ needleInPort: true }));
      break;
    case 'leak':
      at(onsetMs, () => target.setConditions({ leak: { location: f.location, fraction: f.fraction } }));
      end(() => target.setConditions({ leak: null }));
      break;
    case 'motorStall':
      at(onsetMs, () => target.setConditions({ stallProbability: f.mode === 'permanent' ? 1 : f.stallProbability }));
      end(() => target.setConditions({ stallProbability: 0 }));
      break;
    case 'overDelivery':
      at(onsetMs, () => target.setConditions({ overDeliveryFactor: f.factor }));
      end(() => target.setConditions({ overDeliveryFactor: 1 }));
      break;
    case 'strokeVolumeDrift':
      at(onsetMs, () => target.setConditions({ strokeVolumeDriftPerDay: f.percentPerDay / 100, strokeVolumeDriftSinceMs: onsetMs }));
      end(() => target.setConditions({ strokeVolumeDriftPerDay: 0 }));
      break;
    case 'sensor': {
      const magnitude = f.magnitude ?? SENSOR_FAULT_DEFAULTS[f.sensor][f.mode];
      at(onsetMs, () => target.setSensorFault(f.sensor, { mode: f.mode, magnitude, sinceMs: onsetMs }));
      end(() => target.setSensorFault(f.sensor, null));
      break;
    }
    case 'powerLoss':
      at(onsetMs, () => target.powerCycle(Math.round((f.durationMinutes ?? 10) * MS_PER_MINUTE)));
      break;
    case 'batteryDepletion':
      at(onsetMs, () => target.addBatteryDrain(f.percentPerHour));
      end(() => target.addBatteryDrain(0));
      break;
    case 'arterialPressure': {
      // Each episode keeps its own offset, so overlapping episodes compose instead of fighting.
      const episode = nextEpisodeId++;
      const rampMs = f.rampMinutes * MS_PER_MINUTE;
      const offset = (): number => f.meanMmHg - target.baselineArterialMeanMmHg();
      ramp(rampMs, (fraction) => target.setArterialContribution(episode, offset() * fraction));
      if (endMs !== null) {
        for (let i = 1; i <= RAMP_STEPS; i++) {
          at(endMs + Math.round((rampMs * i) / RAMP_STEPS), () => target.setArterialContribution(episode, offset() * (1 - i / RAMP_STEPS)));
        }
      }
      break;
    }
  }
}

/** A fault's outcome in the run summary. */
export interface FaultOutcome {
  readonly kind: FaultKind;
  readonly atSeconds: number;
  readonly detectedBy: AlarmCode | null;
  readonly latencySeconds: number | null;
  /** The alarms the documentation expects for this fault (empty: the pump cannot or must not alarm). */
  readonly expected: readonly AlarmCode[];
}

/**
 * Attributes alarms to a fault: the first alarm raised at or after its onset and before its end
 * plus `graceMs` (the end of the run when it has no duration). An expected code is preferred when
 * several alarms fall in the window.
 */
export function faultOutcome(f: FaultSpec, alarms: readonly { code: AlarmCode; atMs: number }[], runEndMs: number, graceMs = 2 * MS_PER_HOUR): FaultOutcome {
  const onsetMs = Math.round(f.atHours * MS_PER_HOUR);
  const windowEndMs = f.durationMinutes === undefined ? runEndMs : onsetMs + f.durationMinutes * MS_PER_MINUTE + graceMs;
  const inWindow = alarms.filter((a) => a.atMs >= onsetMs && a.atMs <= windowEndMs);
  const expected = expectedAlarms(f);
  const hit = inWindow.find((a) => expected.includes(a.code)) ?? inWindow[0] ?? null;
  return {
    kind: f.kind,
    atSeconds: onsetMs / 1000,
    detectedBy: hit === null ? null : hit.code,
    latencySeconds: hit === null ? null : (hit.atMs - onsetMs) / 1000,
    expected,
  };
}
