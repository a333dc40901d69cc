/**
 * The telemetry sampler: one `TelemetrySample` per interval of simulated time.
 *
 * Owns: aggregating the readings the firmware takes through the HAL over each interval (it sees
 * them as they pass, `onPressure`/`onFlow`/`onReservoir`), reading the plant's truth and the
 * firmware's ledger at each sample, and the row at the end of the run.
 * Promises:
 * - Rows at t = 0, every, 2·every, …, and one at the run's end T when T is not a multiple of the
 *   interval: ⌈T / every⌉ + 1 rows. The last row is taken after the run's summary, so its truth
 *   columns are the summary's figures.
 * - Sampling only reads: it never advances or flushes the plant, never reads a sensor itself (a
 *   read would open a new sensor window), and runs as a clock observer that the run's event count
 *   leaves out (`VirtualClock.startObserving`). The run sampled is the run unsampled.
 */
import type { FlowReading, HalResult, PressureReading, ReservoirReading } from '../../hal/index.ts';
import type { Firmware } from '../../firmware/index.ts';
import type { VirtualClock } from '../world/clock.ts';
import type { Plant } from '../world/plant/index.ts';
import type { RemainingTimes, TelemetrySample } from './telemetry.ts';

const MS_PER_HOUR = 3_600_000;
const SCALE = [1, 10, 100, 1000, 10000];
/** x to `digits` decimals (at most 4), half away from zero; a multiply and a divide, not toFixed (this runs for every column of every row). */
const round = (x: number, digits: number): number => {
  const k = SCALE[digits] as number;
  return (x < 0 ? -Math.round(-x * k) : Math.round(x * k)) / k;
};

export interface SamplerWorld {
  readonly clock: VirtualClock;
  readonly plant: Plant;
  readonly strokeVolumeNl: number;
  firmware(): Firmware;
  /** False while the firmware has no power. */
  powered(): boolean;
  batteryPercent(): number;
  /** The remaining times the firmware displays and their truth. */
  remaining(): { readonly shown: RemainingTimes; readonly truth: RemainingTimes };
}

const minutes = (x: number | null): number | null => (x === null ? null : round(x, 1));

/** The remaining-time columns of a row. */
function remainingColumns(w: SamplerWorld): Pick<TelemetrySample, 'reservoirRemainingMinutes' | 'reservoirRemainingTruthMinutes' | 'batteryRemainingMinutes' | 'batteryRemainingTruthMinutes'> {
  const { shown, truth } = w.remaining();
  return {
    reservoirRemainingMinutes: minutes(shown.reservoirRemainingMinutes),
    reservoirRemainingTruthMinutes: minutes(truth.reservoirRemainingMinutes),
    batteryRemainingMinutes: minutes(shown.batteryRemainingMinutes),
    batteryRemainingTruthMinutes: minutes(truth.batteryRemainingMinutes),
  };
}

export class TelemetrySampler {
  private pressureCount = 0;
  private pressureMeanSum = 0;
  private pressureMin = Infinity;
  private pressureMax = -Infinity;
  private cardiacSum = 0;
  private flowWeighted = 0;
  private flowMs = 0;
  private reservoirMl: number | null = null;
  private lastAtMs = 0;
  private lastPumpedUl = 0;
  /** The newest row, held back so that the end of the run can replace a row taken at its own instant. */
  private pending: TelemetrySample | null = null;

  constructor(
    private readonly world: SamplerWorld,
    everyMs: number,
    private readonly emit: (sample: TelemetrySample) => void,
  ) {
    this.everyMs = everyMs;
  }

  private readonly everyMs: number;

  /** The row at t = 0 and the observer for the rows after it; call once the firmware is booted. */
  start(): void {
    this.pending = this.take();
    this.world.clock.startObserving(this.everyMs, () => this.sample());
  }

  onPressure(r: HalResult<PressureReading>): void {
    if (!r.ok || !Number.isFinite(r.meanMmHg)) return;
    this.pressureCount++;
    this.pressureMeanSum += r.meanMmHg;
    this.cardiacSum += r.cardiacAmplitudeMmHg;
    if (r.minMmHg < this.pressureMin) this.pressureMin = r.minMmHg;
    if (r.maxMmHg > this.pressureMax) this.pressureMax = r.maxMmHg;
  }

  onFlow(r: HalResult<FlowReading>): void {
    if (!r.ok || !Number.isFinite(r.meanFlowUlPerHour) || !(r.windowMs > 0)) return;
    this.flowWeighted += r.meanFlowUlPerHour * r.windowMs;
    this.flowMs += r.windowMs;
  }

  onReservoir(r: HalResult<ReservoirReading>): void {
    if (r.ok && Number.isFinite(r.volumeMl)) this.reservoirMl = r.volumeMl;
  }

  /** The row at the end of the run; call after the run's summary. */
  finish(): void {
    const held = this.pending;
    if (held !== null && held.timeS * 1000 === this.world.clock.nowMs()) {
      // A row already taken at this instant: the events after the observer at the same time
      // count too, so its state and truth columns are read again (its sensor columns stand).
      this.pending = { ...held, ...this.state() };
    } else {
      this.sample();
    }
    if (this.pending !== null) this.emit(this.pending);
    this.pending = null;
  }

  private sample(): void {
    if (this.pending !== null) this.emit(this.pending);
    this.pending = this.take();
  }

  /** A row at now, covering the interval since the last. */
  private take(): TelemetrySample {
    const atMs = this.world.clock.nowMs();
    const pumpedUl = this.world.plant.cumulativePumpedUl;
    const dtMs = atMs - this.lastAtMs;
    const n = this.pressureCount;
    const w = this.world;
    const firmware = w.firmware();
    const ledger = firmware.ledger;
    const alarms = firmware.alarms.entries;
    const row: TelemetrySample = {
      timeS: atMs / 1000,
      mode: w.powered() ? firmware.modeName : 'off',
      pressureMeanMmHg: n === 0 ? null : round(this.pressureMeanSum / n, 2),
      pressureMinMmHg: n === 0 ? null : round(this.pressureMin, 2),
      pressureMaxMmHg: n === 0 ? null : round(this.pressureMax, 2),
      cardiacAmplitudeMmHg: n === 0 ? null : round(this.cardiacSum / n, 2),
      flowSensorUlPerHour: this.flowMs === 0 ? null : round(this.flowWeighted / this.flowMs, 2),
      trueFlowUlPerHour: dtMs <= 0 ? 0 : round(((pumpedUl - this.lastPumpedUl) * MS_PER_HOUR) / dtMs, 2),
      deliveredTruthUl: round(w.plant.toArtery.volumeUl, 3),
      ledgerUl: round(((ledger.infusionStrokes + ledger.flushStrokes) * w.strokeVolumeNl) / 1000, 3),
      reservoirGaugeMl: this.reservoirMl,
      reservoirLedgerMl: round((ledger.reservoirFillUl - ((ledger.primeStrokes + ledger.infusionStrokes) * w.strokeVolumeNl) / 1000) / 1000, 4),
      reservoirTrueMl: round(w.plant.reservoirVolumeUl / 1000, 4),
      batteryPercent: round(w.batteryPercent(), 2),
      ...remainingColumns(w),
      activeAlarm: alarms.length === 0 ? '' : alarms.map((e) => e.code).join('+'),
    };
    this.lastAtMs = atMs;
    this.lastPumpedUl = pumpedUl;
    this.pressureCount = 0;
    this.pressureMeanSum = 0;
    this.pressureMin = Infinity;
    this.pressureMax = -Infinity;
    this.cardiacSum = 0;
    this.flowWeighted = 0;
    this.flowMs = 0;
    return row;
  }

  /** The columns read at the instant: mode, alarms, the ledger and the plant's truth. */
  private state(): Pick<TelemetrySample, 'mode' | 'deliveredTruthUl' | 'ledgerUl' | 'reservoirLedgerMl' | 'reservoirTrueMl' | 'batteryPercent' | 'reservoirRemainingMinutes' | 'reservoirRemainingTruthMinutes' | 'batteryRemainingMinutes' | 'batteryRemainingTruthMinutes' | 'activeAlarm'> {
    const w = this.world;
    const firmware = w.firmware();
    const ledger = firmware.ledger;
    return {
      mode: w.powered() ? firmware.modeName : 'off',
      deliveredTruthUl: round(w.plant.toArtery.volumeUl, 3),
      ledgerUl: round(((ledger.infusionStrokes + ledger.flushStrokes) * w.strokeVolumeNl) / 1000, 3),
      reservoirLedgerMl: round((ledger.reservoirFillUl - ((ledger.primeStrokes + ledger.infusionStrokes) * w.strokeVolumeNl) / 1000) / 1000, 4),
      reservoirTrueMl: round(w.plant.reservoirVolumeUl / 1000, 4),
      batteryPercent: round(w.batteryPercent(), 2),
      ...remainingColumns(w),
      activeAlarm: firmware.alarms.entries.map((e) => e.code).join('+'),
    };
  }
}
