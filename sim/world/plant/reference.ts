/**
 * The patient's artery and the back-pressure the fluid line relaxes towards.
 *
 * Owns: `PatientArtery` (mean, pulse, heart rate, diurnal drift, tissue pressure); the arterial
 * mean now (mean + episode offset + diurnal drift); the reference pressure of the line, which is
 * the arterial mean on the open arterial path, the tissue pressure with the tip in tissue, 0 with
 * the needle out or the line disconnected, and held at its last open value behind a complete
 * blockage (docs/domain.md §2, §5).
 * Promises: the reference is evaluated as base + (atStart + slope·(t − from)) over a span; inside
 * the span it is bit for bit the value the full computation gives, and any change of conditions or
 * access ends the span (`endSpan`).
 */
import type { PlantConditions } from './conditions.ts';

export interface PatientArtery {
  readonly meanMmHg: number;
  readonly pulsePressureMmHg: number;
  readonly heartRateBpm: number;
  readonly diurnalAmplitudeMmHg: number;
  readonly diurnalPhaseRad: number;
  readonly tissuePressureMmHg: number;
}

const MS_PER_DAY = 86_400_000;
const DIURNAL_KNOT_MS = 60_000;

export class PressureReference {
  /** Whether the needle is in the port (the plant sets it on access and de-access). */
  accessed = false;
  private occludedBaseMmHg = NaN;
  private diurnalKnotStartMs = NaN;
  private diurnalAtKnot = 0;
  private diurnalSlopePerMs = 0;
  /** The reference pressure over [from, until): base + (atStart + slope·(t − from)). */
  private referenceFromMs = 0;
  private referenceUntilMs = -Infinity;
  private referenceBaseMmHg = 0;
  private referenceAtStartMmHg = 0;
  private referenceSlopePerMs = 0;

  /** `conditions` is the plant's own object, read at each span start. */
  constructor(
    private readonly artery: PatientArtery,
    private readonly conditions: Readonly<PlantConditions>,
  ) {}

  /** Ends the span under way: the conditions or the access changed. */
  endSpan(): void {
    this.referenceUntilMs = -Infinity;
  }

  /** Arterial mean pressure now (without the pulse), mmHg. */
  arterialMeanMmHg(tMs: number): number {
    return this.artery.meanMmHg + this.conditions.arterialOffsetMmHg + this.diurnalMmHg(tMs);
  }

  /**
   * Diurnal drift A·sin(2πt/day + φ), evaluated exactly at one-minute knots and linearly between
   * them (error ≤ A·(2π·60 s/day)²/8 ≈ 2e-6 mmHg), so the 1 Hz path needs no sin().
   */
  private diurnalMmHg(tMs: number): number {
    if (!(tMs >= this.diurnalKnotStartMs && tMs < this.diurnalKnotStartMs + DIURNAL_KNOT_MS)) {
      const knot = Math.floor(tMs / DIURNAL_KNOT_MS);
      const a = this.artery;
      const at = (k: number): number => a.diurnalAmplitudeMmHg * Math.sin((2 * Math.PI * k * DIURNAL_KNOT_MS) / MS_PER_DAY + a.diurnalPhaseRad);
      this.diurnalKnotStartMs = knot * DIURNAL_KNOT_MS;
      this.diurnalAtKnot = at(knot);
      this.diurnalSlopePerMs = (at(knot + 1) - this.diurnalAtKnot) / DIURNAL_KNOT_MS;
    }
    return this.diurnalAtKnot + this.diurnalSlopePerMs * (tMs - this.diurnalKnotStartMs);
  }

  /**
   * Pressure the line relaxes towards, mmHg. It is constant, or (on the open arterial path)
   * constant plus the diurnal term that is linear within a one-minute knot, so each call inside
   * the span the last computation covered costs one multiply-add. Same arithmetic, same order:
   * bit for bit the value the full computation gives.
   */
  pressureMmHg(tMs: number): number {
    // One return, always this formula (docs/performance.md).
    if (!(tMs >= this.referenceFromMs && tMs < this.referenceUntilMs)) this.startSpan(tMs);
    return this.referenceBaseMmHg + (this.referenceAtStartMmHg + this.referenceSlopePerMs * (tMs - this.referenceFromMs));
  }

  /** The span of the reference that covers `tMs`: from it on while conditions hold, or the diurnal knot around it. */
  private startSpan(tMs: number): void {
    const occ = this.conditions.occlusion;
    if (occ !== null && occ.severity >= 1) {
      if (Number.isNaN(this.occludedBaseMmHg)) this.occludedBaseMmHg = this.openPathPressureMmHg(tMs);
      this.hold(tMs, this.occludedBaseMmHg);
      return;
    }
    this.occludedBaseMmHg = NaN;
    if (!this.onArterialPath()) {
      this.hold(tMs, this.openPathPressureMmHg(tMs));
      return;
    }
    // arterialMeanMmHg(t) = (mean + offset) + diurnal(t), the diurnal term linear over the knot
    // that covers t: the span's formula gives it bit for bit.
    this.diurnalMmHg(tMs);
    this.referenceFromMs = this.diurnalKnotStartMs;
    this.referenceUntilMs = this.diurnalKnotStartMs + DIURNAL_KNOT_MS;
    this.referenceBaseMmHg = this.artery.meanMmHg + this.conditions.arterialOffsetMmHg;
    this.referenceAtStartMmHg = this.diurnalAtKnot;
    this.referenceSlopePerMs = this.diurnalSlopePerMs;
  }

  /** A reference constant from `tMs` until the conditions change (value + (0 + 0·0) is the value). */
  private hold(tMs: number, valueMmHg: number): void {
    this.referenceFromMs = tMs;
    this.referenceUntilMs = Infinity;
    this.referenceBaseMmHg = valueMmHg;
    this.referenceAtStartMmHg = 0;
    this.referenceSlopePerMs = 0;
  }

  private openPathPressureMmHg(tMs: number): number {
    if (!this.accessed || !this.conditions.needleInPort) return 0;
    if (this.conditions.leak !== null && this.conditions.leak.fraction >= 1) return 0;
    return this.conditions.tip === 'tissue' ? this.artery.tissuePressureMmHg : this.arterialMeanMmHg(tMs);
  }

  /** The open path ends in the artery, so its pressure follows the arterial mean. */
  private onArterialPath(): boolean {
    const cond = this.conditions;
    return this.accessed && cond.needleInPort && !(cond.leak !== null && cond.leak.fraction >= 1) && cond.tip !== 'tissue';
  }
}
