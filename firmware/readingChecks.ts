/**
 * Validation of every HAL reading where the firmware receives it, before any detector sees it.
 *
 * Owns: what makes a reading structurally valid (finite fields, inside the sensor's configured
 * range, a timestamp that does not go backwards nor lies in the future, a sane window, an encoder
 * count the commanded strokes can produce) and `ReadingGate`, which remembers each sensor's last
 * accepted timestamp for one power-on.
 * Promises:
 * - An invalid reading is handed on as a `HalError` (`outOfRange`, naming the field, the value and
 *   what is allowed), so the detectors treat it exactly as a sensor that failed to answer: each
 *   sensor's fail-safe applies (health.ts), and no NaN, infinity or impossible value reaches a
 *   comparison that it could switch off. A valid reading is handed on as the same object.
 * - Encoder feedback that is invalid confirms no stroke: the strokes count as missed, which is the
 *   drive detector's MOTOR_STALL (stop now). The ledger never takes a count the feedback cannot
 *   support.
 * - Pure checks (`…Problem`, and `pressureValid` for the 1 Hz path) plus one small record of
 *   timestamps; nothing is allocated for a valid reading.
 *
 * The means of pressure and flow are judged against the sensor's range by the detectors'
 * plausibility (`plausiblePressure`, `plausibleFlow` in detectors/health.ts), which already makes
 * an out-of-range mean a sensor failure; here they must be finite.
 */
import type { AirReading, TemperatureReading, DeviceConfig, FlowReading, HalError, HalResult, PowerReading, PressureReading, Range, ReservoirReading, StrokeFeedback } from '../hal/index.ts';
import { halError } from '../hal/index.ts';

/** The sensors whose readings the gate checks; `encoder` is the drive's feedback. */
export type CheckedSensor = 'pressure' | 'flow' | 'reservoir' | 'power' | 'encoder' | 'air' | 'temperature';

/** Static figures the checks compare against, built once per device configuration. */
export interface ReadingLimits {
  readonly pressureRangeMmHg: Range;
  /** A cardiac band amplitude can be at most half the sensor's span. */
  readonly maxCardiacAmplitudeMmHg: number;
  /** A gauge reading above this is no reservoir: the largest fill plus twice the gauge's accuracy. */
  readonly reservoirMaxMl: number;
  readonly encoderCountsPerStroke: number;
  /**
   * How much longer than the time since the last accepted read a window may be: one control
   * period (a front-end that latched its window at the tick's edge).
   */
  readonly windowSlackMs: number;
}

export function readingLimits(config: DeviceConfig): ReadingLimits {
  const p = config.pressureRangeMmHg;
  return {
    pressureRangeMmHg: p,
    maxCardiacAmplitudeMmHg: (p.max - p.min) / 2,
    reservoirMaxMl: config.reservoirFillRangeMl.max + 2 * config.reservoirGaugeAccuracyMl,
    encoderCountsPerStroke: config.encoderCountsPerStroke,
    windowSlackMs: config.controlPeriodMs,
  };
}

/** No reading accepted yet in this power-on. */
const NONE = -1;

function notFinite(field: string, value: number): string | null {
  return Number.isFinite(value) ? null : `${field} = ${value} is not a finite number`;
}

/** `atMs` on the device clock: finite, not negative, not before the last accepted reading, not after now. */
function timestampProblem(atMs: number, lastAtMs: number, nowMs: number): string | null {
  if (!Number.isFinite(atMs)) return `atMs = ${atMs} is not a finite number`;
  if (atMs < 0) return `atMs = ${atMs} is before the device clock's start`;
  if (atMs < lastAtMs) return `atMs = ${atMs} goes backwards (last accepted ${lastAtMs})`;
  if (atMs > nowMs) return `atMs = ${atMs} is in the future (now ${nowMs})`;
  return null;
}

/**
 * A window: finite and longer than 0; once a reading was accepted in this power-on, no longer
 * than the time since it plus the slack. (The first window after a boot may span the outage.)
 */
function windowProblem(windowMs: number, atMs: number, lastAtMs: number, slackMs: number): string | null {
  if (!Number.isFinite(windowMs) || windowMs <= 0) return `windowMs = ${windowMs} must be a finite number > 0`;
  if (lastAtMs !== NONE && windowMs > atMs - lastAtMs + slackMs) {
    return `windowMs = ${windowMs} is longer than the ${atMs - lastAtMs} ms since the last read (+ ${slackMs} ms allowed)`;
  }
  return null;
}

function rangeProblem(field: string, value: number, min: number, max: number, unit: string): string | null {
  if (!Number.isFinite(value)) return `${field} = ${value} is not a finite number (allowed ${min}–${max} ${unit})`;
  return value < min || value > max ? `${field} = ${value} is outside ${min}–${max} ${unit}` : null;
}

/**
 * The pressure window is valid: `pressureProblem` would find nothing. The 1 Hz path asks this, a
 * chain of comparisons that a NaN or an infinity fails by itself (every comparison with NaN is
 * false, and every bound is finite), and builds the message only for a window it refuses.
 */
export function pressureValid(r: PressureReading, lim: ReadingLimits, lastAtMs: number, nowMs: number): boolean {
  const atMs = r.atMs;
  const windowMs = r.windowMs;
  const mean = r.meanMmHg;
  const min = r.minMmHg;
  const max = r.maxMmHg;
  const amplitude = r.cardiacAmplitudeMmHg;
  const samples = r.sampleCount;
  const range = lim.pressureRangeMmHg;
  return (
    atMs >= 0 && atMs >= lastAtMs && atMs <= nowMs &&
    windowMs > 0 && windowMs < Infinity && (lastAtMs === NONE || windowMs <= atMs - lastAtMs + lim.windowSlackMs) &&
    samples >= 1 && samples <= windowMs && Math.floor(samples) === samples &&
    min >= range.min && max <= range.max && min <= mean && mean <= max &&
    amplitude >= 0 && amplitude <= lim.maxCardiacAmplitudeMmHg
  );
}

/** What is wrong with a pressure window (null: nothing), naming the field, the value and what is allowed. */
export function pressureProblem(r: PressureReading, lim: ReadingLimits, lastAtMs: number, nowMs: number): string | null {
  const range = lim.pressureRangeMmHg;
  return (
    timestampProblem(r.atMs, lastAtMs, nowMs) ??
    windowProblem(r.windowMs, r.atMs, lastAtMs, lim.windowSlackMs) ??
    (Number.isInteger(r.sampleCount) && r.sampleCount >= 1 && r.sampleCount <= r.windowMs
      ? null
      : `sampleCount = ${r.sampleCount} must be a whole number from 1 to windowMs (at most one sample a millisecond)`) ??
    notFinite('meanMmHg', r.meanMmHg) ??
    rangeProblem('minMmHg', r.minMmHg, range.min, range.max, 'mmHg') ??
    rangeProblem('maxMmHg', r.maxMmHg, range.min, range.max, 'mmHg') ??
    (r.minMmHg <= r.meanMmHg && r.meanMmHg <= r.maxMmHg ? null : `meanMmHg = ${r.meanMmHg} is not between minMmHg = ${r.minMmHg} and maxMmHg = ${r.maxMmHg}`) ??
    rangeProblem('cardiacAmplitudeMmHg', r.cardiacAmplitudeMmHg, 0, lim.maxCardiacAmplitudeMmHg, 'mmHg')
  );
}

export function flowProblem(r: FlowReading, lim: ReadingLimits, lastAtMs: number, nowMs: number): string | null {
  return timestampProblem(r.atMs, lastAtMs, nowMs) ?? windowProblem(r.windowMs, r.atMs, lastAtMs, lim.windowSlackMs) ?? notFinite('meanFlowUlPerHour', r.meanFlowUlPerHour);
}

/** The air window: a time, a window, and a volume of air that is finite and not negative. */
export function airProblem(r: AirReading, lim: ReadingLimits, lastAtMs: number, nowMs: number): string | null {
  return (
    timestampProblem(r.atMs, lastAtMs, nowMs) ??
    windowProblem(r.windowMs, r.atMs, lastAtMs, lim.windowSlackMs) ??
    (Number.isFinite(r.airUl) && r.airUl >= 0 ? null : `airUl = ${r.airUl} must be a finite number ≥ 0 µL`)
  );
}

/** A temperature: a time, and a finite value inside what a sensor on a living body can read (−40…125 °C). */
export function temperatureProblem(r: TemperatureReading, lastAtMs: number, nowMs: number): string | null {
  return timestampProblem(r.atMs, lastAtMs, nowMs) ?? rangeProblem('celsius', r.celsius, -40, 125, '°C');
}

export function reservoirProblem(r: ReservoirReading, lim: ReadingLimits, lastAtMs: number, nowMs: number): string | null {
  return timestampProblem(r.atMs, lastAtMs, nowMs) ?? rangeProblem('volumeMl', r.volumeMl, 0, lim.reservoirMaxMl, 'mL');
}

export function powerProblem(r: PowerReading, lastAtMs: number, nowMs: number): string | null {
  return (
    timestampProblem(r.atMs, lastAtMs, nowMs) ??
    rangeProblem('batteryPercent', r.batteryPercent, 0, 100, '%') ??
    (typeof r.externalPower === 'boolean' ? null : `externalPower = ${String(r.externalPower)} must be true or false`)
  );
}

/**
 * The drive's answer to `commanded` strokes: for those strokes, and an encoder count that is a
 * whole number from 0 to what they can produce — `commanded` strokes' counts plus one stroke's
 * less one (an edge of the next stroke seen early), which credits no extra stroke.
 */
export function strokeFeedbackProblem(f: StrokeFeedback, commanded: number, lim: ReadingLimits, lastAtMs: number, nowMs: number): string | null {
  const maxCounts = (commanded + 1) * lim.encoderCountsPerStroke - 1;
  return (
    timestampProblem(f.atMs, lastAtMs, nowMs) ??
    (f.strokesCommanded === commanded ? null : `strokesCommanded = ${f.strokesCommanded} is not the ${commanded} commanded`) ??
    (Number.isInteger(f.encoderCounts) && f.encoderCounts >= 0 && f.encoderCounts <= maxCounts
      ? null
      : `encoderCounts = ${f.encoderCounts} must be a whole number from 0 to ${maxCounts} for ${commanded} strokes`)
  );
}

/**
 * The gate every reading passes on its way in, for one power-on. `onInvalid` hears the first
 * invalid reading of each sensor after a valid one (or after boot), so a sensor that stays broken
 * is reported once, not every period.
 */
export class ReadingGate {
  private readonly limits: ReadingLimits;
  private pressureAtMs = NONE;
  private flowAtMs = NONE;
  private reservoirAtMs = NONE;
  private powerAtMs = NONE;
  private encoderAtMs = NONE;
  private airAtMs = NONE;
  private temperatureAtMs = NONE;
  /** Bit per sensor (CHECKED_BIT): its last reading was invalid. */
  private invalidMask = 0;

  constructor(config: DeviceConfig, private readonly onInvalid: (sensor: CheckedSensor, problem: string) => void) {
    this.limits = readingLimits(config);
  }

  pressure(r: HalResult<PressureReading>, nowMs: number): HalResult<PressureReading> {
    if (!r.ok) return r;
    if (!pressureValid(r, this.limits, this.pressureAtMs, nowMs)) {
      return this.refuse('pressure', pressureProblem(r, this.limits, this.pressureAtMs, nowMs) ?? 'invalid');
    }
    this.pressureAtMs = r.atMs;
    if (this.invalidMask !== 0) this.invalidMask &= ~PRESSURE_BIT;
    return r;
  }

  flow(r: HalResult<FlowReading>, nowMs: number): HalResult<FlowReading> {
    if (!r.ok) return r;
    const problem = flowProblem(r, this.limits, this.flowAtMs, nowMs);
    if (problem !== null) return this.refuse('flow', problem);
    this.flowAtMs = r.atMs;
    this.invalidMask &= ~CHECKED_BIT.flow;
    return r;
  }

  reservoir(r: HalResult<ReservoirReading>, nowMs: number): HalResult<ReservoirReading> {
    if (!r.ok) return r;
    const problem = reservoirProblem(r, this.limits, this.reservoirAtMs, nowMs);
    if (problem !== null) return this.refuse('reservoir', problem);
    this.reservoirAtMs = r.atMs;
    this.invalidMask &= ~CHECKED_BIT.reservoir;
    return r;
  }

  power(r: HalResult<PowerReading>, nowMs: number): HalResult<PowerReading> {
    if (!r.ok) return r;
    const problem = powerProblem(r, this.powerAtMs, nowMs);
    if (problem !== null) return this.refuse('power', problem);
    this.powerAtMs = r.atMs;
    this.invalidMask &= ~CHECKED_BIT.power;
    return r;
  }

  air(r: HalResult<AirReading>, nowMs: number): HalResult<AirReading> {
    if (!r.ok) return r;
    const problem = airProblem(r, this.limits, this.airAtMs, nowMs);
    if (problem !== null) return this.refuse('air', problem);
    this.airAtMs = r.atMs;
    this.invalidMask &= ~CHECKED_BIT.air;
    return r;
  }

  temperature(r: HalResult<TemperatureReading>, nowMs: number): HalResult<TemperatureReading> {
    if (!r.ok) return r;
    const problem = temperatureProblem(r, this.temperatureAtMs, nowMs);
    if (problem !== null) return this.refuse('temperature', problem);
    this.temperatureAtMs = r.atMs;
    this.invalidMask &= ~CHECKED_BIT.temperature;
    return r;
  }

  /** Encoder counts the ledger may take from the drive's answer: 0 when the answer is not valid. */
  encoderCounts(f: HalResult<StrokeFeedback>, commanded: number, nowMs: number): number {
    if (!f.ok) return 0;
    const problem = strokeFeedbackProblem(f, commanded, this.limits, this.encoderAtMs, nowMs);
    if (problem !== null) {
      this.refuse('encoder', problem);
      return 0;
    }
    this.encoderAtMs = f.atMs;
    this.invalidMask &= ~CHECKED_BIT.encoder;
    return f.encoderCounts;
  }

  private refuse(sensor: CheckedSensor, problem: string): HalError {
    const bit = CHECKED_BIT[sensor];
    if ((this.invalidMask & bit) === 0) {
      this.invalidMask |= bit;
      this.onInvalid(sensor, problem);
    }
    return halError('outOfRange', `invalid ${sensor} reading: ${problem}`);
  }
}

const CHECKED_BIT: Readonly<Record<CheckedSensor, number>> = Object.freeze({ pressure: 1, flow: 2, reservoir: 4, power: 8, encoder: 16, air: 32, temperature: 64 });
const PRESSURE_BIT = CHECKED_BIT.pressure;
