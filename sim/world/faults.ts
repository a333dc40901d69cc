/**
 * Fault injection: what goes wrong between pump and hepatic artery, and when.
 *
 * Owns: the fault kinds (their fields, units in the names), the firmware response each one is
 * expected to draw, and scheduling a run's faults on the virtual clock through `FaultWorld`, the
 * one interface the simulation implements. Also the rule for overlapping arterial episodes.
 * Promises: a fault changes the world, never the firmware: the firmware must find it through its
 * HAL readings. Scheduling keeps no state beyond the run it schedules. Every fault kind, what it
 * does, and the firmware response expected:
 *
 * | kind | plant / device effect | expected firmware response |
 * | --- | --- | --- |
 * | occlusion (line, needle, port, catheter; severity 0–1; rampHours) | resistance R/(1−s) at the location, complete at s = 1; compliance upstream of it only | OCCLUSION (stop now) at s = 1; partial: OCCLUSION then REPEATED_ALARM when the pulse through R·C_up/(1 − s) falls below the pulse-present threshold at the patient's heart rate, otherwise none (the pump cannot see it) |
 * | occlusion catheter with wallPulseFraction w (side-hole catheter) | as a catheter occlusion, and w × (pulse pressure / 2) still reaches the pump through the catheter wall | OCCLUSION (stop now) at s = 1: with w × (pulse pressure / 2) at or above the pulse-present threshold the pulse-loss signal is absent and the 400 mmHg backstop ends it (latency ≈ C_up·(400 − mean)/Q); below it, the pulse-loss and stroke-rise rule as a plain occlusion. Partial: seen only when the pulse through R·C_up/(1 − s) plus the wall's share falls below the threshold |
 * | occlusion upstream (severity) | the reservoir side blocked: each stroke moves (1 − s) of its volume, the motor turns | UPSTREAM_OCCLUSION (stop now) when s ≥ 0.7 |
 * | displacement to tissue | tip out of the artery: back-pressure → tissue pressure, no pulse | CATHETER_DISPLACEMENT |
 * | displacement extrahepatic | tip in a gastric/duodenal branch: no pressure change; drug accounted as extrahepatic | none — the pump cannot see it |
 * | needleDislodgement | Huber needle out of the port: drug into the pocket, pressure ≈ 0, no pulse | CATHETER_DISPLACEMENT |
 * | leak (fraction; location) | a share of the flow leaves the path; 1 = disconnection | CATHETER_DISPLACEMENT when complete; a partial leak keeps pressure and pulse and is not seen |
 * | motorStall (permanent / intermittent) | strokes do not happen, encoder silent | MOTOR_STALL (stop now) |
 * | overDelivery (factor) | each stroke moves factor × volume | OVER_INFUSION / UNDER_INFUSION beyond ±10 % plus the flow sensor's tolerance (3 % + 4.4 µL/h over the rate); inside it, RESERVOIR_MISMATCH when the volume moved beyond the ledger's reaches 2 mL before the infusion ends; factor ≤ 0.3 (the drive turns, almost nothing moves): UPSTREAM_OCCLUSION (stop now), then REPEATED_ALARM |
 * | strokeVolumeDrift (%/day) | stroke volume drifts | OVER_ or UNDER_INFUSION once beyond ±10 % |
 * | sensor (pressure, flow, reservoir; stuck, drift, noise, dropout, offset) | the reading, not the truth | SENSOR_FAULT (pressure: stop) / SENSOR_DEGRADED (flow, gauge: continue) when implausible; a pressure drift or offset by the mean it reaches by the infusion's end: ≥ 400 mmHg OCCLUSION (a high reading is a blocked line to the pump), < 15 mmHg with a pulse SENSOR_FAULT (≤ 25 mmHg on a front-end that cannot resolve the pulse: CATHETER_DISPLACEMENT, drive stopped the same), between them none (a plausible pressure) |
 * | sensor invalid (pressure, flow, reservoir, encoder, battery; value NaN, ±Infinity, negative, outOfRange; field) | one field of every reading impossible | pressure SENSOR_FAULT (stop); encoder MOTOR_STALL (stop); flow, reservoir SENSOR_DEGRADED; battery BATTERY_MONITOR_FAULT |
 * | powerLoss (durationMinutes) | firmware off, restarts from NV | none; THERAPY_RESUMED logged |
 * | powerLoss duringWrite | power fails inside the next flash write, after a random share of its bytes | none: boot recovers from the copy before (STORAGE_RECOVERED, at most one stroke repeated or lost) |
 * | nvBitFlip (record, bits) | bits of the record's newest copy flip | none: the scrub rewrites it within 10 min (STORAGE_REPAIRED); booted before that, recovered from the copy before |
 * | nvTornWrite (record) | the next write to the record stops after a random share of its bytes (the firmware does not know) | none: superseded by the next write or repaired by the scrub, or recovered at boot |
 * | nvStaleRecord (record, ageWrites) | the newest copy is replaced by the image of an older write (an erase that failed) | none: repaired by the scrub, or recovered at boot |
 * | nvErase (record or all) | the record's slots read as erased flash | none while running (the scrub rewrites it from RAM); booted before that: STORAGE_FAULT |
 * | nvWriteFailure (durationMinutes) | every flash write fails | STORAGE_FAULT (stop now) |
 * | batteryDepletion (percentPerHour) | battery drains fast | BATTERY_LOW, then BATTERY_DEPLETED (stop) |
 * | arterialPressure (meanMmHg) | hypertension, hypotension, exercise episode | none — alarming here is a false alarm |
 * | forgedCommand (command; count) | a frame signed with a key the unit does not hold | refused (`LINK_REFUSED` badTag), no state change; SECURITY_ALERT when count ≥ 5 |
 * | replayedCommand (command; count) | the last frame of that command the programmer sent, captured and sent again | refused (staleCounter), no state change; SECURITY_ALERT when count ≥ 5 |
 * | tamperedCommand (command; count) | a genuine frame with one byte changed on air | refused (badTag, or malformed when the byte is a length), no state change; SECURITY_ALERT when count ≥ 5 |
 * | wrongDevice (command; count) | a frame signed with this unit's key, addressed to another device | refused (wrongDevice), no state change; SECURITY_ALERT when count ≥ 5 |
 * | counterRollback (command; count) | a correctly signed frame whose counter is not above the last accepted | refused (staleCounter), no state change; SECURITY_ALERT when count ≥ 5 |
 * | airInLine (volumeUl) | a bubble enters the line at the pump and passes the outlet's air detector with the next stroke | AIR_IN_LINE (stop now) when ≥ 50 µL and infusing; a smaller bubble is not alarmed |
 * | freeFlow (ulPerHour) | flow from the source the pump does not drive (a siphon, a failed valve), into the line | FREE_FLOW (stop) when the pump delivers nothing; while infusing, OVER_INFUSION once beyond the flow band |
 * | overTemperature (celsius) | the device's temperature is `celsius` (a heat source, a hot car; the stroke volume follows it), back to the profile's working temperature at its end | OVER_TEMPERATURE (stop now) above 40 °C, at the next temperature read (once a minute) |
 * | watchdog (durationSeconds) | the firmware's control task hangs: it neither runs nor kicks the watchdog; a reset ends the hang | WATCHDOG (high, therapy resumes from the store) when no kick comes for `WATCHDOG_TIMEOUT_MS` (3 s): the processor resets at the last kick + 3 s, certain for a hang of 3 s or more; under 1 s (one period missed) none; between, it depends on where the hang falls between two periods |
 * | drugLibraryCorruption | one bit of the drug library image flips in its store | DRUG_LIBRARY_INVALID (high, stop now) at the next periodic self-check (every 10 min); at 0 h, at the power-on self-test (fail-safe, therapy refused) |
 * | selfTestFailure (component: rom, ram, clock, annunciator, battery) | ROM CRC or RAM test fails, the RTC crystal stops, the speaker is open, or the cell is dead (0 %) | SYSTEM_FAULT: at the power-on self-test (therapy refused, fail-safe) or at the next periodic self-check (drive stopped); battery after boot: BATTERY_DEPLETED |
 *
 * The scenario file's schema for these kinds (ranges, defaults, messages) is sim/scenario/faults.ts;
 * it produces exactly these types.
 */
import type { AlarmCode } from '../../firmware/index.ts';
import { LINK_LOCK, THRESHOLDS } from '../../firmware/index.ts';
import type { InvalidReading, InvalidValue, SensorFault, SensorFaultMode } from './devices/readout.ts';
import { WATCHDOG_TIMEOUT_MS } from './devices/watchdog.ts';
import type { PlantConditions } from './plant/conditions.ts';
import type { DeviceProfile, OcclusionLocation, PathLocation } from './profile.ts';

const MS_PER_HOUR = 3_600_000;
const MS_PER_MINUTE = 60_000;

/** When a fault starts (hours into the run) and, if it ends, how long it lasts. */
interface FaultTiming {
  readonly atHours: number;
  readonly durationMinutes?: number | undefined;
}

export type SensorName = 'pressure' | 'flow' | 'reservoir';

/** What an `invalid` sensor fault can corrupt: the three sensors, the drive's encoder and the battery monitor. */
export type InvalidSensorName = SensorName | 'encoder' | 'battery';

/** The fields of each reading an `invalid` fault may corrupt (hal/sensors.ts, hal/drive.ts); the first is the default. */
export const INVALID_READING_FIELDS = Object.freeze({
  pressure: ['meanMmHg', 'minMmHg', 'maxMmHg', 'cardiacAmplitudeMmHg', 'windowMs', 'sampleCount', 'atMs'],
  flow: ['meanFlowUlPerHour', 'windowMs', 'atMs'],
  reservoir: ['volumeMl', 'atMs'],
  encoder: ['encoderCounts', 'strokesCommanded', 'atMs'],
  battery: ['batteryPercent', 'atMs'],
} as const satisfies Record<InvalidSensorName, readonly string[]>);
export type InvalidReadingField = (typeof INVALID_READING_FIELDS)[InvalidSensorName][number];

/** The flash records a storage fault acts on (firmware/storage/layout.ts); `state` holds the ledger. */
export const NV_RECORD_NAMES = ['state', 'plan', 'safety', 'device', 'log'] as const;
export type NvRecordName = (typeof NV_RECORD_NAMES)[number];
/** The kinds of attack on the command link (sim/world/linkAttacks.ts builds their frames). */
export const LINK_ATTACK_KINDS = ['forgedCommand', 'replayedCommand', 'tamperedCommand', 'wrongDevice', 'counterRollback'] as const;
export type LinkAttackKind = (typeof LINK_ATTACK_KINDS)[number];
/** The commands an attack frame carries: those without fields. */
export const LINK_ATTACK_COMMANDS = ['prime', 'start', 'pause', 'resume', 'acknowledge', 'audioPause', 'cancelPause', 'stop', 'flush'] as const;
export type LinkAttackCommand = (typeof LINK_ATTACK_COMMANDS)[number];
/** One attack: `count` frames, one a second from the onset. */
export interface LinkAttack {
  readonly kind: LinkAttackKind;
  readonly command: LinkAttackCommand;
  readonly count: number;
}

/** What a `selfTestFailure` breaks: what the self-test and the periodic self-checks look at. */
export const SELF_TEST_COMPONENTS = ['rom', 'ram', 'clock', 'annunciator', 'battery'] as const;
export type SelfTestComponent = (typeof SELF_TEST_COMPONENTS)[number];

export type FaultSpec = FaultTiming &
  (
    /** `wallPulseFraction`: a side-hole catheter (catheter only) passing that share of the pulse through its wall. */
    | { readonly kind: 'occlusion'; readonly location: OcclusionLocation; readonly severity: number; readonly rampHours?: number | undefined; readonly wallPulseFraction?: number | undefined }
    /** `extrahepaticFraction`: share of the flow that reaches the extrahepatic branch (extrahepatic only). */
    | { readonly kind: 'displacement'; readonly to: 'tissue' | 'extrahepatic'; readonly extrahepaticFraction: number }
    | { readonly kind: 'needleDislodgement' }
    | { readonly kind: 'leak'; readonly fraction: number; readonly location: PathLocation }
    /** `stallProbability`: share of strokes that stall (intermittent only). */
    | { readonly kind: 'motorStall'; readonly mode: 'permanent' | 'intermittent'; readonly stallProbability: number }
    | { readonly kind: 'overDelivery'; readonly factor: number }
    | { readonly kind: 'strokeVolumeDrift'; readonly percentPerDay: number }
    /** `magnitude`: in the sensor's unit (mmHg, µL/h, mL); per day for drift; a standard deviation for noise. */
    | { readonly kind: 'sensor'; readonly sensor: SensorName; readonly mode: SensorFaultMode; readonly magnitude?: number | undefined }
    /** `field`: the reading's field made invalid (default: the first of `INVALID_READING_FIELDS[sensor]`). */
    | { readonly kind: 'sensor'; readonly sensor: InvalidSensorName; readonly mode: 'invalid'; readonly value: InvalidValue; readonly field?: InvalidReadingField | undefined }
    /** `duringWrite`: the power fails inside the next flash write rather than between two. */
    | { readonly kind: 'powerLoss'; readonly duringWrite?: boolean | undefined }
    | { readonly kind: 'nvBitFlip'; readonly record: NvRecordName; readonly bits: number }
    | { readonly kind: 'nvTornWrite'; readonly record: NvRecordName }
    /** `ageWrites`: how many writes of the record back the image put in place of the newest is. */
    | { readonly kind: 'nvStaleRecord'; readonly record: NvRecordName; readonly ageWrites: number }
    | { readonly kind: 'nvErase'; readonly record: NvRecordName | 'all' }
    | { readonly kind: 'nvWriteFailure' }
    | { readonly kind: 'batteryDepletion'; readonly percentPerHour: number }
    | { readonly kind: 'arterialPressure'; readonly meanMmHg: number; readonly rampMinutes: number }
    | { readonly kind: 'selfTestFailure'; readonly component: SelfTestComponent }
    | { readonly kind: 'airInLine'; readonly volumeUl: number }
    | { readonly kind: 'overTemperature'; readonly celsius: number }
    | { readonly kind: 'freeFlow'; readonly ulPerHour: number }
    /** `durationSeconds`: how long the control task hangs (it stops running and kicking the watchdog). */
    | { readonly kind: 'watchdog'; readonly durationSeconds: number }
    | { readonly kind: 'drugLibraryCorruption' }
    | LinkAttack
  );

export type FaultKind = FaultSpec['kind'];

/** Every fault kind, in the order of the table above. */
export const FAULT_KINDS: readonly FaultKind[] = Object.freeze([
  'occlusion',
  'displacement',
  'needleDislodgement',
  'leak',
  'motorStall',
  'overDelivery',
  'strokeVolumeDrift',
  'sensor',
  'powerLoss',
  'batteryDepletion',
  'arterialPressure',
  'nvBitFlip',
  'nvTornWrite',
  'nvStaleRecord',
  'nvErase',
  'nvWriteFailure',
  ...LINK_ATTACK_KINDS,
  'selfTestFailure',
  'airInLine',
  'overTemperature',
  'freeFlow',
  'watchdog',
  'drugLibraryCorruption',
] as const);

/** Default magnitudes of sensor faults, in the sensor's unit. */
export const SENSOR_FAULT_DEFAULTS: Readonly<Record<SensorName, Record<SensorFaultMode, number>>> = Object.freeze({
  pressure: { stuck: 0, drift: 200, noise: 20, dropout: 0, offset: -200 },
  flow: { stuck: 0, drift: 200, noise: 400, dropout: 0, offset: 60 },
  reservoir: { stuck: 0, drift: -5, noise: 3, dropout: 0, offset: -3 },
});

/**
 * Each sensor's fail-safe for an invalid reading (firmware/readingChecks.ts): the pressure sensor
 * and the encoder stop the drive, the flow sensor and the gauge degrade, the battery monitor has
 * its own alarm.
 */
const INVALID_READING_ALARMS: Readonly<Record<InvalidSensorName, readonly AlarmCode[]>> = Object.freeze({
  pressure: ['SENSOR_FAULT'],
  flow: ['SENSOR_DEGRADED'],
  reservoir: ['SENSOR_DEGRADED'],
  encoder: ['MOTOR_STALL'],
  battery: ['BATTERY_MONITOR_FAULT'],
});

/** A fault's end on the virtual clock, integer ms (null: it lasts to the end of the run). */
export function faultEndMs(f: FaultTiming): number | null {
  return f.durationMinutes === undefined ? null : faultOnsetMs(f) + Math.round(f.durationMinutes * MS_PER_MINUTE);
}

/** A fault's onset on the virtual clock, integer ms. */
export function faultOnsetMs(f: FaultTiming): number {
  return Math.round(f.atHours * MS_PER_HOUR);
}

/**
 * The plant or device condition a fault sets, for the faults that set one condition and clear it
 * at their end (null: faults that compose, such as arterial episodes, or that act once, such as a
 * power loss). Two faults of one condition cannot overlap in time: the later onset would replace
 * the earlier fault and the first end would clear both.
 */
export function faultCondition(f: FaultSpec): string | null {
  switch (f.kind) {
    case 'displacement':
      return 'catheter tip';
    case 'needleDislodgement':
      return 'needle';
    case 'sensor':
      // Invalid readings are a slot of their own on the device: they end without touching its other fault.
      return f.mode === 'invalid' ? `${f.sensor} readings` : `${f.sensor} sensor`;
    case 'batteryDepletion':
      return 'battery drain';
    case 'nvWriteFailure':
      return 'flash writes';
    case 'selfTestFailure':
      return `${f.component} self-check`;
    case 'airInLine':
    case 'watchdog':
    case 'drugLibraryCorruption':
    case 'powerLoss':
    case 'arterialPressure':
    case 'nvBitFlip':
    case 'nvTornWrite':
    case 'nvStaleRecord':
    case 'nvErase':
    case 'forgedCommand':
    case 'replayedCommand':
    case 'tamperedCommand':
    case 'wrongDevice':
    case 'counterRollback':
      return null;
    default:
      return f.kind;
  }
}

/**
 * Where two faults of one condition overlap in time: one message for each fault that overlaps an
 * earlier one (by onset), naming it and the earlier fault that reaches furthest. The faults of each
 * condition are sorted once and swept, so the check grows with n·log(n), not with the pairs.
 */
export function overlappingFaults(faults: readonly FaultSpec[]): string[] {
  const problems: string[] = [];
  const byCondition = new Map<string, number[]>();
  faults.forEach((f, i) => {
    const condition = faultCondition(f);
    if (condition === null) return;
    const list = byCondition.get(condition);
    if (list === undefined) byCondition.set(condition, [i]);
    else list.push(i);
  });
  const startMs = faults.map(faultOnsetMs);
  const endMs = faults.map((f) => faultEndMs(f) ?? Infinity);
  for (const [condition, indices] of byCondition) {
    indices.sort((a, b) => (startMs[a] as number) - (startMs[b] as number) || a - b);
    let reach = -1;
    for (const j of indices) {
      if (reach !== -1 && (startMs[j] as number) < (endMs[reach] as number) && (startMs[reach] as number) < (endMs[j] as number)) {
        const [a, b] = reach < j ? [reach, j] : [j, reach];
        const fa = faults[a] as FaultSpec;
        const fb = faults[b] as FaultSpec;
        problems.push(`faults[${a}] and faults[${b}] both set the ${condition} condition over overlapping times (from ${fa.atHours} h and ${fb.atHours} h): the first to end would clear the other (allowed: one after the other, or one fault with the larger effect)`);
      }
      if (reach === -1 || (endMs[j] as number) > (endMs[reach] as number)) reach = j;
    }
  }
  return problems;
}

/**
 * What the rules of `expectedAlarms` read besides the fault: the run's rate, its fluid path and its
 * patient. Without it, the rules that depend on them take their conservative form (a partial
 * downstream occlusion is not expected to be seen; the flow bands without the sensor's absolute
 * tolerance).
 */
export interface ExpectationContext {
  readonly rateUlPerHour: number;
  readonly path: DeviceProfile['path'];
  readonly heartRateBpm: number;
  readonly pulsePressureMmHg: number;
  /** The patient's own arterial mean, mmHg (without episodes). */
  readonly meanArterialPressureMmHg: number;
  /** The programmed infusion's end, hours from the start of the run. */
  readonly infusionEndHours: number;
  /** The firmware's pulse-present threshold for this device's front-end (thresholds.ts `pressureThresholds`). */
  readonly pulsePresentMmHg: number;
}

/**
 * The pulse a patent catheter carries to the pump, mmHg: (pulse pressure / 2) / √(1 + (ωτ)²) with
 * τ = R·C upstream of the tip.
 */
function pulseAtPumpMmHg(ctx: ExpectationContext): number {
  const tauS = ctx.path.resistanceMmHgSecondPerUl * ctx.path.lineComplianceUlPerMmHg * ctx.path.complianceUpstreamFraction.catheter;
  const wt = ((2 * Math.PI * ctx.heartRateBpm) / 60) * tauS;
  return ctx.pulsePressureMmHg / 2 / Math.sqrt(1 + wt * wt);
}

/**
 * A pressure reading moved by `deltaMmHg` from the patient's mean, as the firmware judges it: with
 * the pulse still present, a mean at or above the 400 mmHg limit is an occlusion it cannot tell
 * from a sensor reading high (OCCLUSION stops the drive, which is safe); a mean below the
 * pulse-with-low-mean limit (15 mmHg) is impossible with a pulse (SENSOR_FAULT); anything between
 * is a plausible pressure, and the pump cannot see it. Where the front-end cannot resolve the
 * pulse (below its pulse-present threshold, as on a coarse front-end), a mean at or below the
 * displacement limit (25 mmHg) looks like a tip out of the artery: CATHETER_DISPLACEMENT, which
 * stops the drive as SENSOR_FAULT would.
 */
function pressureShiftAlarms(meanMmHg: number, ctx: ExpectationContext): readonly AlarmCode[] {
  if (meanMmHg >= THRESHOLDS.occlusionHardLimitMmHg) return ['OCCLUSION'];
  if (pulseAtPumpMmHg(ctx) < ctx.pulsePresentMmHg) return meanMmHg <= THRESHOLDS.displacementMaxMeanMmHg ? ['CATHETER_DISPLACEMENT'] : [];
  if (meanMmHg < THRESHOLDS.pulseWithMeanBelowMmHg) return ['SENSOR_FAULT'];
  return [];
}

/**
 * A pressure sensor's drift or offset: the mean it reaches by the end of the infusion (drift, per
 * day from the onset) or at once (offset), judged by `pressureShiftAlarms`. Without a context the
 * documented response is SENSOR_FAULT.
 */
function pressureSensorAlarms(f: { readonly atHours: number; readonly mode: 'drift' | 'offset'; readonly magnitude?: number | undefined }, ctx: ExpectationContext | undefined): readonly AlarmCode[] {
  if (ctx === undefined) return ['SENSOR_FAULT'];
  const magnitude = f.magnitude ?? SENSOR_FAULT_DEFAULTS.pressure[f.mode];
  const days = Math.max(0, ctx.infusionEndHours - f.atHours) / 24;
  const shift = f.mode === 'offset' ? magnitude : magnitude * days;
  return pressureShiftAlarms(ctx.meanArterialPressureMmHg + shift, ctx);
}

/**
 * A partial downstream occlusion (0 < s < 1) that the pump sees: its resistance R/(1 − s) with the
 * compliance upstream of it makes τ = R·C_up/(1 − s), and the pulse reaching the pump,
 * (pulse pressure / 2)/√(1 + (ωτ)²) (plus a side-hole catheter's wall share), falls below the
 * pulse-present threshold. The pulse check
 * then finds the artery cut off while strokes still raise the line: OCCLUSION. The blockage
 * persists, so the restarts end in REPEATED_ALARM (at most five stops of one cause a programme).
 * Not on a front-end whose pulse threshold is above the patent path's pulse (nothing to lose).
 */
function partialOcclusionVisible(location: PathLocation, severity: number, ctx: ExpectationContext, wallPulseFraction = 0): boolean {
  // A front-end that cannot resolve even the patent path's pulse cannot see it go: the blockage is
  // left to the stroke-rise rule, and a partial one still lets each stroke's step decay (τ ≪ the
  // tens of seconds between strokes), so it builds no rise.
  if (pulseAtPumpMmHg(ctx) < ctx.pulsePresentMmHg) return false;
  const cUp = ctx.path.lineComplianceUlPerMmHg * ctx.path.complianceUpstreamFraction[location];
  const tauS = (ctx.path.resistanceMmHgSecondPerUl * cUp) / (1 - severity);
  const wt = ((2 * Math.PI * ctx.heartRateBpm) / 60) * tauS;
  const half = ctx.pulsePressureMmHg / 2;
  // A side-hole catheter's wall passes its share of the pulse besides the path (sim/world/plant/hydraulics.ts).
  return Math.min(half, half / Math.sqrt(1 + wt * wt) + wallPulseFraction * half) < ctx.pulsePresentMmHg;
}

/**
 * GIP 1.2.2 / 1.2.3 bands as the flow detector applies them: beyond ±10 % plus the sensor's gain
 * tolerance (3 %) plus its absolute tolerance (4.4 µL/h) over the rate (0 without a context).
 */
function flowBandFraction(ratioBand: number, ctx: ExpectationContext | undefined): number {
  return ratioBand + THRESHOLDS.flowGainTolerance + (ctx === undefined ? 0 : THRESHOLDS.flowAbsoluteToleranceUlPerHour / ctx.rateUlPerHour);
}

/**
 * The alarms a delivery of `factor` × the commanded volume draws (over- or under-delivery, nothing
 * moving). Inside the flow band the flow sensor cannot tell it from its own error; the gauge can,
 * once the volume moved beyond the ledger's exceeds the mismatch threshold plus the gauge's
 * accuracy (1.5 + 0.5 mL) before the infusion ends: RESERVOIR_MISMATCH.
 */
function deliveryFactorAlarms(factor: number, ctx: ExpectationContext | undefined, atHours = 0, durationMinutes?: number): readonly AlarmCode[] {
  // Nothing (or too little) moving while the encoder confirms the strokes: the flow detector's no-flow check.
  if (factor <= THRESHOLDS.noFlowRatio - 0.05) return ['UPSTREAM_OCCLUSION', 'REPEATED_ALARM'];
  if (factor - 1 > flowBandFraction(THRESHOLDS.overInfusionRatio - 1, ctx)) return ['OVER_INFUSION'];
  if (1 - factor > flowBandFraction(1 - THRESHOLDS.underInfusionRatio, ctx)) return ['UNDER_INFUSION'];
  if (ctx === undefined) return [];
  const hours = Math.min(Math.max(0, ctx.infusionEndHours - atHours), durationMinutes === undefined ? Infinity : durationMinutes / 60);
  const differenceUl = Math.abs(factor - 1) * ctx.rateUlPerHour * hours;
  return differenceUl >= THRESHOLDS.reservoirMismatchUl + THRESHOLDS.reservoirGaugeAccuracyUl ? ['RESERVOIR_MISMATCH'] : [];
}

/**
 * The alarm each fault is expected to raise (empty: the pump cannot or must not alarm). The first
 * code is the one that finds the fault; REPEATED_ALARM follows when the cause persists through the
 * nurse's restarts.
 */
export function expectedAlarms(f: FaultSpec, ctx?: ExpectationContext): readonly AlarmCode[] {
  switch (f.kind) {
    case 'occlusion':
      if (f.location === 'upstream') return f.severity >= 1 - THRESHOLDS.noFlowRatio + 0.05 ? ['UPSTREAM_OCCLUSION'] : [];
      if (f.severity >= 1) return ['OCCLUSION'];
      return ctx !== undefined && f.severity > 0 && partialOcclusionVisible(f.location, f.severity, ctx, f.location === 'catheter' ? (f.wallPulseFraction ?? 0) : 0) ? ['OCCLUSION', 'REPEATED_ALARM'] : [];
    case 'displacement':
      return f.to === 'tissue' ? ['CATHETER_DISPLACEMENT'] : [];
    case 'needleDislodgement':
      return ['CATHETER_DISPLACEMENT'];
    case 'leak':
      return f.fraction >= 1 ? ['CATHETER_DISPLACEMENT'] : [];
    case 'motorStall':
      return ['MOTOR_STALL'];
    case 'overDelivery':
      return deliveryFactorAlarms(f.factor, ctx, f.atHours, f.durationMinutes);
    case 'strokeVolumeDrift':
      return f.percentPerDay > 0 ? ['OVER_INFUSION'] : f.percentPerDay < 0 ? ['UNDER_INFUSION'] : [];
    case 'sensor':
      if (f.mode === 'invalid') return INVALID_READING_ALARMS[f.sensor];
      if (f.sensor === 'pressure' && (f.mode === 'drift' || f.mode === 'offset')) return pressureSensorAlarms({ atHours: f.atHours, mode: f.mode, magnitude: f.magnitude }, ctx);
      return f.sensor === 'pressure' ? ['SENSOR_FAULT'] : f.sensor === 'flow' ? ['SENSOR_DEGRADED', 'OVER_INFUSION', 'UNDER_INFUSION'] : ['SENSOR_DEGRADED', 'RESERVOIR_MISMATCH'];
    case 'powerLoss':
    case 'arterialPressure':
    case 'nvBitFlip':
    case 'nvTornWrite':
    case 'nvStaleRecord':
    case 'nvErase':
      return [];
    case 'batteryDepletion':
      return ['BATTERY_LOW', 'BATTERY_DEPLETED'];
    case 'nvWriteFailure':
      return ['STORAGE_FAULT'];
    case 'airInLine':
      return f.volumeUl >= THRESHOLDS.airBubbleLimitUl ? ['AIR_IN_LINE'] : [];
    case 'overTemperature':
      return f.celsius > THRESHOLDS.maxOperatingCelsius ? ['OVER_TEMPERATURE'] : [];
    case 'freeFlow':
      return ['FREE_FLOW', 'OVER_INFUSION'];
    case 'watchdog':
      return f.durationSeconds * 1000 >= WATCHDOG_TIMEOUT_MS ? ['WATCHDOG'] : [];
    case 'drugLibraryCorruption':
      return ['DRUG_LIBRARY_INVALID'];
    case 'selfTestFailure':
      return f.component === 'battery' ? ['SYSTEM_FAULT', 'BATTERY_DEPLETED'] : ['SYSTEM_FAULT'];
    case 'forgedCommand':
    case 'replayedCommand':
    case 'tamperedCommand':
    case 'wrongDevice':
    case 'counterRollback':
      return f.count >= LINK_LOCK.refusals ? ['SECURITY_ALERT'] : [];
  }
}

/** What a fault acts on; the simulation implements it once for all its faults. */
export interface FaultWorld {
  nowMs(): number;
  /** Runs `action` at `atMs` on the virtual clock, the plant advanced to that time first. */
  at(atMs: number, action: () => void): void;
  setConditions(patch: Partial<PlantConditions>): void;
  /** The patient's own arterial mean, mmHg, without episodes. */
  baselineArterialMeanMmHg(): number;
  setSensorFault(sensor: SensorName, fault: SensorFault | null): void;
  /** Invalid readings from `sensor` from now on (null: valid again). */
  setInvalidReading(sensor: InvalidSensorName, invalid: InvalidReading | null): void;
  /** Extra battery drain from now on (0 ends it). */
  setBatteryDrain(percentPerHour: number): void;
  powerCycle(durationMs: number): void;
  /** Power fails inside the next flash write, at a random byte; the firmware boots again after `durationMs`. */
  cutPowerInsideNextWrite(durationMs: number): void;
  /** Storage faults on the flash (sim/world/devices/flash.ts); positions and shares drawn from the run's seed. */
  flipNvBits(record: NvRecordName, bits: number): void;
  tearNextNvWrite(record: NvRecordName): void;
  /** From the start of the run: keep the images a stale-record fault needs. */
  keepNvHistory(record: NvRecordName, ageWrites: number): void;
  revertNvRecord(record: NvRecordName, ageWrites: number): void;
  eraseNv(record: NvRecordName | 'all'): void;
  setNvWritesFailing(failing: boolean): void;
  /** Puts one attack frame on the command link now. */
  sendLinkAttack(attack: LinkAttack): void;
  /** Breaks (or mends) what the self-test looks at: memory, the RTC's crystal, the speaker, the cell. */
  setComponentFailed(component: SelfTestComponent, failed: boolean): void;
  /** A bubble of `volumeUl` enters the line at the pump now. */
  injectAir(volumeUl: number): void;
  /** The device's temperature from now on (null: back to its base). */
  setDeviceCelsius(celsius: number | null): void;
  /** One bit of the drug library image flips in its store (the position from the run's seed). */
  corruptDrugLibrary(): void;
  /** The firmware's control task hangs from now for `durationMs` (a reset ends it sooner). */
  hangControlTask(durationMs: number): void;
}

/** Steps used to approximate ramps (severity, arterial pressure), per ramp. */
const RAMP_STEPS = 60;

/**
 * Arterial episodes of one run. Each episode keeps its own offset and moves the mean *to* its
 * level, so overlapping episodes compose instead of fighting: the largest excursion holds (the
 * first set, of equal ones).
 */
class ArterialEpisodes {
  private readonly offsetsMmHg = new Map<number, number>();
  private episodes = 0;

  constructor(private readonly world: FaultWorld) {}

  open(): number {
    return this.episodes++;
  }

  set(episode: number, offsetMmHg: number): void {
    if (offsetMmHg === 0) this.offsetsMmHg.delete(episode);
    else this.offsetsMmHg.set(episode, offsetMmHg);
    let offset = 0;
    for (const v of this.offsetsMmHg.values()) if (Math.abs(v) > Math.abs(offset)) offset = v;
    this.world.setConditions({ arterialOffsetMmHg: offset });
  }
}

/** Schedules each fault's onset and, if it has a duration, its end. */
export function scheduleFaults(faults: readonly FaultSpec[], world: FaultWorld): void {
  const episodes = new ArterialEpisodes(world);
  for (const f of faults) scheduleFault(f, world, episodes);
}

function scheduleFault(f: FaultSpec, world: FaultWorld, episodes: ArterialEpisodes): void {
  const onsetMs = faultOnsetMs(f);
  const endMs = faultEndMs(f);
  const at = (t: number, action: () => void): void => world.at(Math.max(t, world.nowMs()), action);
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
      const wall = f.wallPulseFraction ?? 0;
      ramp(rampMs, (fraction) => world.setConditions({ occlusion: wall > 0 ? { location: f.location, severity: f.severity * fraction, wallPulseFraction: wall } : { location: f.location, severity: f.severity * fraction } }));
      end(() => world.setConditions({ occlusion: null }));
      break;
    }
    case 'displacement':
      at(onsetMs, () => world.setConditions({ tip: f.to, extrahepaticFraction: f.extrahepaticFraction }));
      end(() => world.setConditions({ tip: 'artery' }));
      break;
    case 'needleDislodgement':
      at(onsetMs, () => world.setConditions({ needleInPort: false }));
      end(() => world.setConditions({ needleInPort: true }));
      break;
    case 'leak':
      at(onsetMs, () => world.setConditions({ leak: { location: f.location, fraction: f.fraction } }));
      end(() => world.setConditions({ leak: null }));
      break;
    case 'motorStall':
      at(onsetMs, () => world.setConditions({ stallProbability: f.mode === 'permanent' ? 1 : f.stallProbability }));
      end(() => world.setConditions({ stallProbability: 0 }));
      break;
    case 'overDelivery':
      at(onsetMs, () => world.setConditions({ overDeliveryFactor: f.factor }));
      end(() => world.setConditions({ overDeliveryFactor: 1 }));
      break;
    case 'strokeVolumeDrift':
      at(onsetMs, () => world.setConditions({ strokeVolumeDriftPerDay: f.percentPerDay / 100, strokeVolumeDriftSinceMs: onsetMs }));
      end(() => world.setConditions({ strokeVolumeDriftPerDay: 0 }));
      break;
    case 'sensor': {
      if (f.mode === 'invalid') {
        const invalid: InvalidReading = { field: f.field ?? INVALID_READING_FIELDS[f.sensor][0], value: f.value };
        at(onsetMs, () => world.setInvalidReading(f.sensor, invalid));
        end(() => world.setInvalidReading(f.sensor, null));
        break;
      }
      const magnitude = f.magnitude ?? SENSOR_FAULT_DEFAULTS[f.sensor][f.mode];
      at(onsetMs, () => world.setSensorFault(f.sensor, { mode: f.mode, magnitude, sinceMs: onsetMs }));
      end(() => world.setSensorFault(f.sensor, null));
      break;
    }
    case 'powerLoss': {
      const offMs = Math.round((f.durationMinutes ?? 10) * MS_PER_MINUTE);
      at(onsetMs, () => (f.duringWrite === true ? world.cutPowerInsideNextWrite(offMs) : world.powerCycle(offMs)));
      break;
    }
    case 'nvBitFlip':
      at(onsetMs, () => world.flipNvBits(f.record, f.bits));
      break;
    case 'nvTornWrite':
      at(onsetMs, () => world.tearNextNvWrite(f.record));
      break;
    case 'nvStaleRecord':
      world.keepNvHistory(f.record, f.ageWrites);
      at(onsetMs, () => world.revertNvRecord(f.record, f.ageWrites));
      break;
    case 'nvErase':
      at(onsetMs, () => world.eraseNv(f.record));
      break;
    case 'nvWriteFailure':
      at(onsetMs, () => world.setNvWritesFailing(true));
      end(() => world.setNvWritesFailing(false));
      break;
    case 'batteryDepletion':
      at(onsetMs, () => world.setBatteryDrain(f.percentPerHour));
      end(() => world.setBatteryDrain(0));
      break;
    case 'arterialPressure': {
      const episode = episodes.open();
      const rampMs = f.rampMinutes * MS_PER_MINUTE;
      const offset = (): number => f.meanMmHg - world.baselineArterialMeanMmHg();
      ramp(rampMs, (fraction) => episodes.set(episode, offset() * fraction));
      if (endMs !== null) {
        for (let i = 1; i <= RAMP_STEPS; i++) {
          at(endMs + Math.round((rampMs * i) / RAMP_STEPS), () => episodes.set(episode, offset() * (1 - i / RAMP_STEPS)));
        }
      }
      break;
    }
    case 'airInLine':
      at(onsetMs, () => world.injectAir(f.volumeUl));
      break;
    case 'freeFlow':
      at(onsetMs, () => world.setConditions({ freeFlowUlPerHour: f.ulPerHour }));
      end(() => world.setConditions({ freeFlowUlPerHour: 0 }));
      break;
    case 'watchdog':
      at(onsetMs, () => world.hangControlTask(Math.round(f.durationSeconds * 1000)));
      break;
    case 'drugLibraryCorruption':
      at(onsetMs, () => world.corruptDrugLibrary());
      break;
    case 'overTemperature':
      at(onsetMs, () => world.setDeviceCelsius(f.celsius));
      end(() => world.setDeviceCelsius(null));
      break;
    case 'selfTestFailure':
      at(onsetMs, () => world.setComponentFailed(f.component, true));
      end(() => world.setComponentFailed(f.component, false));
      break;
    case 'forgedCommand':
    case 'replayedCommand':
    case 'tamperedCommand':
    case 'wrongDevice':
    case 'counterRollback': {
      const attack: LinkAttack = { kind: f.kind, command: f.command, count: f.count };
      for (let i = 0; i < f.count; i++) at(onsetMs + i * 1000, () => world.sendLinkAttack(attack));
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
 * Every fault's outcome against one run's alarms (in the order they were raised, so by time):
 * each fault looks only at the alarms of its own window, found by binary search, so the cost grows
 * with faults × log(alarms), not with their product.
 */
export function faultOutcomes(faults: readonly FaultSpec[], alarms: readonly { code: AlarmCode; atMs: number }[], runEndMs: number, graceMs = 2 * MS_PER_HOUR, ctx?: ExpectationContext): FaultOutcome[] {
  return faults.map((f) => {
    const onsetMs = faultOnsetMs(f);
    let lo = 0;
    let hi = alarms.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((alarms[mid] as { atMs: number }).atMs < onsetMs) lo = mid + 1;
      else hi = mid;
    }
    return faultOutcome(f, alarms, runEndMs, graceMs, lo, ctx);
  });
}

/**
 * Attributes alarms to a fault: the first alarm raised at or after its onset and before its end
 * plus `graceMs` (the end of the run when it has no duration). An expected code is preferred when
 * several alarms fall in the window.
 */
export function faultOutcome(f: FaultSpec, alarms: readonly { code: AlarmCode; atMs: number }[], runEndMs: number, graceMs = 2 * MS_PER_HOUR, fromIndex = 0, ctx?: ExpectationContext): FaultOutcome {
  const onsetMs = faultOnsetMs(f);
  const windowEndMs = f.durationMinutes === undefined ? runEndMs : onsetMs + f.durationMinutes * MS_PER_MINUTE + graceMs;
  const expected = expectedAlarms(f, ctx);
  // `alarms` is in time order; `fromIndex` may start the search at the first alarm of the window.
  let first: { code: AlarmCode; atMs: number } | null = null;
  let hit: { code: AlarmCode; atMs: number } | null = null;
  for (let i = fromIndex; i < alarms.length; i++) {
    const a = alarms[i] as { code: AlarmCode; atMs: number };
    if (a.atMs > windowEndMs) break;
    if (a.atMs < onsetMs) continue;
    first ??= a;
    if (expected.includes(a.code)) {
      hit = a;
      break;
    }
    if (expected.length === 0) break;
  }
  hit ??= first;
  return {
    kind: f.kind,
    atSeconds: onsetMs / 1000,
    detectedBy: hit === null ? null : hit.code,
    latencySeconds: hit === null ? null : (hit.atMs - onsetMs) / 1000,
    expected,
  };
}
