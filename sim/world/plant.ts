/**
 * The plant: reservoir, pump mechanism, fluid path and hepatic artery — the ground truth.
 *
 * Owns: where every microlitre and milligram is. Nothing here is visible to the firmware except
 * through the sensor and drive models in devices.ts.
 * Promises:
 * - Mass balance, exactly: what was filled = reached the hepatic artery + went elsewhere
 *   (extrahepatic branch, pocket, leak, prime waste) + remains (reservoir, lock syringe, path).
 * - Deterministic: the plant changes only when the simulator advances it to a time or applies a
 *   stroke; it draws no randomness except through the counter-based `noiseAt`.
 *
 * Models (units in names; docs/domain.md §2, §5):
 * - Transport: plug flow through two FIFOs of parcels — the set (line + Huber needle) and the
 *   implanted path (port chamber + catheter). Before the needle is in the port the set empties to
 *   prime waste.
 * - Hydraulics: one lumped line compliance C with the path resistance R. A stroke of ΔV raises the
 *   stored volume; it drains to the outlet as V(t) = V₀·e^(−t/τ), τ = R·C (≈ 0.3 s), so the line
 *   pressure is P_ref + V/C. A blockage at a location adds resistance (severity s → R/(1 − s),
 *   complete at s = 1) and leaves only the compliance upstream of it.
 * - Artery: mean + diurnal drift + episodes, with a cardiac pulse (pulse pressure / 2 at the heart
 *   rate) that the catheter low-pass attenuates by 1/√(1 + (ωτ)²) on its way to the pump.
 */
import type { DeviceProfile, PathLocation } from './profile.ts';

export interface Composition {
  readonly fudrMgPerUl: number;
  readonly dexamethasoneMgPerUl: number;
  readonly heparinUnitsPerUl: number;
}

export const NO_DRUG: Composition = Object.freeze({ fudrMgPerUl: 0, dexamethasoneMgPerUl: 0, heparinUnitsPerUl: 0 });

export class Totals {
  volumeUl = 0;
  fudrMg = 0;
  dexamethasoneMg = 0;
  heparinUnits = 0;

  add(volumeUl: number, c: Composition): void {
    this.volumeUl += volumeUl;
    this.fudrMg += volumeUl * c.fudrMgPerUl;
    this.dexamethasoneMg += volumeUl * c.dexamethasoneMgPerUl;
    this.heparinUnits += volumeUl * c.heparinUnitsPerUl;
  }

  snapshot(): { volumeUl: number; fudrMg: number; dexamethasoneMg: number; heparinUnits: number } {
    return { volumeUl: this.volumeUl, fudrMg: this.fudrMg, dexamethasoneMg: this.dexamethasoneMg, heparinUnits: this.heparinUnits };
  }
}

interface Parcel {
  volumeUl: number;
  composition: Composition;
}

/** Plug-flow FIFO: fluid enters at the tail and leaves from the head in order. */
export class Fifo {
  private parcels: Parcel[] = [];
  private head = 0;

  constructor(volumeUl: number, composition: Composition) {
    if (volumeUl > 0) this.parcels.push({ volumeUl, composition });
  }

  push(volumeUl: number, composition: Composition): void {
    if (volumeUl <= 0) return;
    const last = this.parcels[this.parcels.length - 1];
    if (last !== undefined && this.parcels.length > this.head && last.composition === composition) last.volumeUl += volumeUl;
    else this.parcels.push({ volumeUl, composition });
  }

  /** Removes `volumeUl` from the head, handing each piece to `sink`. Returns the volume removed. */
  take(volumeUl: number, sink: (volumeUl: number, c: Composition) => void): number {
    let left = volumeUl;
    while (left > 1e-12 && this.head < this.parcels.length) {
      const p = this.parcels[this.head] as Parcel;
      const piece = p.volumeUl <= left ? p.volumeUl : left;
      sink(piece, p.composition);
      p.volumeUl -= piece;
      left -= piece;
      if (p.volumeUl <= 1e-12) this.head++;
    }
    if (this.head > 32 && this.head * 2 > this.parcels.length) {
      this.parcels = this.parcels.slice(this.head);
      this.head = 0;
    }
    return volumeUl - left;
  }

  volumeUl(): number {
    let v = 0;
    for (let i = this.head; i < this.parcels.length; i++) v += (this.parcels[i] as Parcel).volumeUl;
    return v;
  }

  contents(into: Totals): void {
    for (let i = this.head; i < this.parcels.length; i++) {
      const p = this.parcels[i] as Parcel;
      into.add(p.volumeUl, p.composition);
    }
  }

  drain(sink: (volumeUl: number, c: Composition) => void): void {
    this.take(Infinity, sink);
  }
}

export interface PatientArtery {
  readonly meanMmHg: number;
  readonly pulsePressureMmHg: number;
  readonly heartRateBpm: number;
  readonly diurnalAmplitudeMmHg: number;
  readonly diurnalPhaseRad: number;
  readonly tissuePressureMmHg: number;
}

/** Faults and episodes as the plant sees them; faults.ts turns scenario entries into these. */
export interface PlantConditions {
  occlusion: { location: PathLocation; severity: number } | null;
  /** Where the catheter tip delivers. */
  tip: 'artery' | 'tissue' | 'extrahepatic';
  /** Share of the flow that reaches an extrahepatic branch when `tip` is 'extrahepatic'. */
  extrahepaticFraction: number;
  needleInPort: boolean;
  leak: { location: PathLocation; fraction: number } | null;
  /** Share of strokes the mechanism fails to make (1 = permanent stall). */
  stallProbability: number;
  overDeliveryFactor: number;
  /** Fractional change of stroke volume per day since `strokeVolumeDriftSinceMs`. */
  strokeVolumeDriftPerDay: number;
  strokeVolumeDriftSinceMs: number;
  arterialOffsetMmHg: number;
}

export function nominalConditions(): PlantConditions {
  return {
    occlusion: null,
    tip: 'artery',
    extrahepaticFraction: 1,
    needleInPort: true,
    leak: null,
    stallProbability: 0,
    overDeliveryFactor: 1,
    strokeVolumeDriftPerDay: 0,
    strokeVolumeDriftSinceMs: 0,
    arterialOffsetMmHg: 0,
  };
}

const MS_PER_DAY = 86_400_000;
const DIURNAL_KNOT_MS = 60_000;
/** Outflow is moved through the FIFOs in batches of at least this volume (totals stay exact). */
const TRANSPORT_BATCH_UL = 0.05;

export class Plant {
  readonly profile: DeviceProfile;
  readonly artery: PatientArtery;
  private readonly current: PlantConditions = nominalConditions();
  /** Hydraulic figures derived from the conditions; recomputed only when a condition changes. */
  private derived = { tauS: 0, complianceUlPerMmHg: 0, pulseAtPumpMmHg: 0 };

  // Truth accumulators.
  readonly toArtery = new Totals();
  readonly toExtrahepatic = new Totals();
  readonly toPocket = new Totals();
  readonly leaked = new Totals();
  readonly primeWaste = new Totals();
  readonly filled = new Totals();
  /** Reservoir leftovers thrown away when a new reservoir is filled. */
  readonly discarded = new Totals();

  private tMs = 0;
  private reservoirUl = 0;
  private reservoirComposition: Composition = NO_DRUG;
  private lockSyringeUl = 0;
  private lockComposition: Composition = NO_DRUG;
  private source: 'reservoir' | 'lockSyringe' = 'reservoir';
  private readonly set: Fifo;
  private readonly implant: Fifo;
  private storedUl = 0;
  private storedIntegralUlMs = 0;
  private pendingOutflowUl = 0;
  private occludedBaseMmHg = NaN;
  private accessed = false;
  private pumpedUl = 0;
  private strokes = 0;
  private readonly unitFactor: number;
  private readonly strokeNoise: (index: number) => number;
  private cacheDtMs = -1;
  private cacheTauS = -1;
  private cacheDecay = 1;
  private diurnalKnotStartMs = NaN;
  private diurnalAtKnot = 0;
  private diurnalSlopePerMs = 0;
  /** The reference pressure over [from, until): base + (atStart + slope·(t − from)). */
  private referenceFromMs = 0;
  private referenceUntilMs = -Infinity;
  private referenceBaseMmHg = 0;
  private referenceAtStartMmHg = 0;
  private referenceSlopePerMs = 0;

  private readonly stallDraw: (index: number) => number;
  private attempts = 0;

  /**
   * `strokeNoise(i)` is stroke i's error in [−1, 1]; `stallDraw(i)` a uniform in (0, 1) deciding
   * whether attempt i stalls under an intermittent stall. Both are counter-based (rng.ts).
   */
  constructor(
    profile: DeviceProfile,
    artery: PatientArtery,
    unitErrorFraction: number,
    strokeNoise: (index: number) => number,
    initialLock: Composition,
    stallDraw: (index: number) => number = () => 1,
  ) {
    this.profile = profile;
    this.artery = artery;
    this.unitFactor = 1 + unitErrorFraction;
    this.strokeNoise = strokeNoise;
    this.stallDraw = stallDraw;
    const v = profile.path.volumeUl;
    this.set = new Fifo(v.line + v.needle, NO_DRUG);
    this.implant = new Fifo(v.port + v.catheter, initialLock);
    this.filled.add(v.line + v.needle, NO_DRUG);
    this.filled.add(v.port + v.catheter, initialLock);
    this.deriveHydraulics();
  }

  get nowMs(): number {
    return this.tMs;
  }

  get cumulativePumpedUl(): number {
    return this.pumpedUl;
  }

  get strokesDelivered(): number {
    return this.strokes;
  }

  get reservoirVolumeUl(): number {
    return this.reservoirUl;
  }

  get isAccessed(): boolean {
    return this.accessed;
  }

  // --- Operator actions on the plant --------------------------------------------------------

  /** A new reservoir: what was left of the old one is discarded, not mixed. */
  fillReservoir(volumeUl: number, composition: Composition): void {
    this.discarded.add(this.reservoirUl, this.reservoirComposition);
    this.reservoirUl = volumeUl;
    this.reservoirComposition = composition;
    this.filled.add(volumeUl, composition);
    this.source = 'reservoir';
  }

  connectLockSyringe(volumeUl: number, composition: Composition): void {
    this.discarded.add(this.lockSyringeUl, this.lockComposition);
    this.lockSyringeUl = volumeUl;
    this.lockComposition = composition;
    this.filled.add(volumeUl, composition);
    this.source = 'lockSyringe';
  }

  /** Needle into the port: from now on the set empties into the implanted path. */
  accessPort(): void {
    this.flushPending();
    this.accessed = true;
    this.deriveHydraulics();
  }

  /** Back to drawing from the reservoir (the lock syringe is taken off). */
  useReservoir(): void {
    this.discarded.add(this.lockSyringeUl, this.lockComposition);
    this.lockSyringeUl = 0;
    this.source = 'reservoir';
  }

  /** Needle out after the lock: the set and what it holds leave with it. */
  deaccessPort(): void {
    this.flushPending();
    this.accessed = false;
    this.set.drain((v, c) => this.primeWaste.add(v, c));
    const v = this.profile.path.volumeUl;
    this.set.push(v.line + v.needle, NO_DRUG);
    this.filled.add(v.line + v.needle, NO_DRUG);
    this.storedUl = 0;
    this.deriveHydraulics();
  }

  // --- Conditions (faults and episodes) ----------------------------------------------------

  get conditions(): Readonly<PlantConditions> {
    return this.current;
  }

  /** Changes conditions at the current time; the stored volume keeps draining under the old ones until now. */
  setConditions(patch: Partial<PlantConditions>): void {
    this.flushPending();
    Object.assign(this.current, patch);
    this.deriveHydraulics();
  }

  private deriveHydraulics(): void {
    const cond = this.current;
    // With the needle out of the port, a blockage in the port or catheter is not in the path.
    const occ = cond.occlusion !== null && !this.accessed && (cond.occlusion.location === 'port' || cond.occlusion.location === 'catheter') ? null : cond.occlusion;
    const path = this.profile.path;
    const complianceUlPerMmHg = occ === null ? path.lineComplianceUlPerMmHg : path.lineComplianceUlPerMmHg * path.complianceUpstreamFraction[occ.location];
    const tauS = occ !== null && occ.severity >= 1 ? Infinity : (path.resistanceMmHgSecondPerUl / (occ === null ? 1 : 1 - occ.severity)) * complianceUlPerMmHg;
    let pulseAtPumpMmHg = 0;
    const arterialPath = this.accessed && cond.needleInPort && cond.tip !== 'tissue' && !(cond.leak !== null && cond.leak.fraction >= 1);
    if (arterialPath && tauS !== Infinity) {
      const wt = ((2 * Math.PI * this.artery.heartRateBpm) / 60) * tauS;
      pulseAtPumpMmHg = this.artery.pulsePressureMmHg / 2 / Math.sqrt(1 + wt * wt);
    }
    this.derived = { tauS, complianceUlPerMmHg, pulseAtPumpMmHg };
    this.referenceUntilMs = -Infinity;
  }

  // --- Time ---------------------------------------------------------------------------------

  /** Effective time constant of the stored volume draining, seconds (Infinity when blocked). */
  tauSeconds(): number {
    return this.derived.tauS;
  }

  upstreamComplianceUlPerMmHg(): number {
    return this.derived.complianceUlPerMmHg;
  }

  advanceTo(tMs: number): void {
    const dtMs = tMs - this.tMs;
    if (dtMs <= 0) return;
    this.tMs = tMs;
    const stored = this.storedUl;
    if (stored === 0) return;
    const tauS = this.tauSeconds();
    if (tauS === Infinity) {
      this.storedIntegralUlMs += stored * dtMs;
      return;
    }
    if (dtMs !== this.cacheDtMs || tauS !== this.cacheTauS) {
      this.cacheDtMs = dtMs;
      this.cacheTauS = tauS;
      this.cacheDecay = Math.exp(-dtMs / 1000 / tauS);
    }
    const remaining = stored * this.cacheDecay;
    const out = stored - remaining;
    this.storedUl = remaining < 1e-9 ? 0 : remaining;
    const outflow = remaining < 1e-9 ? stored : out;
    this.storedIntegralUlMs += outflow * tauS * 1000;
    this.pendingOutflowUl += outflow;
    if (this.pendingOutflowUl >= TRANSPORT_BATCH_UL) this.flushPending();
  }

  /** Moves the batched outflow through the path to its destinations. */
  flushPending(): void {
    const volume = this.pendingOutflowUl;
    if (volume <= 0) return;
    this.pendingOutflowUl = 0;
    const cond = this.current;
    if (!this.accessed) {
      this.set.take(volume, (v, c) => this.primeWaste.add(v, c));
      return;
    }
    if (!cond.needleInPort) {
      this.set.take(volume, (v, c) => this.toPocket.add(v, c));
      return;
    }
    const leak = cond.leak;
    const upstreamLeak = leak !== null && (leak.location === 'line' || leak.location === 'needle') ? leak.fraction : 0;
    const downstreamLeak = leak !== null && (leak.location === 'port' || leak.location === 'catheter') ? leak.fraction : 0;
    let intoImplant = 0;
    this.set.take(volume, (v, c) => {
      const lost = v * upstreamLeak;
      if (lost > 0) this.leaked.add(lost, c);
      this.implant.push(v - lost, c);
      intoImplant += v - lost;
    });
    this.implant.take(intoImplant, (v, c) => {
      const lost = v * downstreamLeak;
      if (lost > 0) this.leaked.add(lost, c);
      const rest = v - lost;
      if (cond.tip === 'tissue') this.toPocket.add(rest, c);
      else if (cond.tip === 'extrahepatic') {
        this.toExtrahepatic.add(rest * cond.extrahepaticFraction, c);
        this.toArtery.add(rest * (1 - cond.extrahepaticFraction), c);
      } else this.toArtery.add(rest, c);
    });
  }

  // --- The drive ----------------------------------------------------------------------------

  /**
   * Attempts one stroke now. Returns the volume moved (0 when the source is dry: the motor turns,
   * nothing moves), or -1 when the mechanism stalled (the motor did not turn).
   */
  stroke(): number {
    const cond = this.current;
    const attempt = this.attempts++;
    if (cond.stallProbability > 0 && (cond.stallProbability >= 1 || this.stallDraw(attempt) < cond.stallProbability)) return -1;
    const index = this.strokes++;
    const driftDays = cond.strokeVolumeDriftPerDay === 0 ? 0 : (this.tMs - cond.strokeVolumeDriftSinceMs) / MS_PER_DAY;
    const wanted =
      this.profile.mechanism.strokeVolumeUl *
      this.unitFactor *
      (1 + this.profile.mechanism.strokeErrorFraction * this.strokeNoise(index)) *
      cond.overDeliveryFactor *
      Math.max(0, 1 + cond.strokeVolumeDriftPerDay * driftDays);
    let moved: number;
    let composition: Composition;
    if (this.source === 'lockSyringe') {
      moved = Math.min(wanted, this.lockSyringeUl);
      this.lockSyringeUl -= moved;
      composition = this.lockComposition;
    } else {
      moved = Math.max(0, Math.min(wanted, this.reservoirUl - this.profile.reservoir.residualUl));
      this.reservoirUl -= moved;
      composition = this.reservoirComposition;
    }
    if (moved <= 0) return 0;
    this.set.push(moved, composition);
    this.storedUl += moved;
    this.pumpedUl += moved;
    return moved;
  }

  // --- What sensors can measure -------------------------------------------------------------

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
   * the span the last computation covered costs one multiply-add; any change of conditions or of
   * access ends the span (`deriveHydraulics`). Same arithmetic, same order: bit for bit the value
   * the full computation gives.
   */
  referencePressureMmHg(tMs: number): number {
    // One return, always this formula: a second return of a call's result would make the caller
    // box every value it gets (a heap number a read on the 1 Hz path).
    if (!(tMs >= this.referenceFromMs && tMs < this.referenceUntilMs)) this.startReferenceSpan(tMs);
    return this.referenceBaseMmHg + (this.referenceAtStartMmHg + this.referenceSlopePerMs * (tMs - this.referenceFromMs));
  }

  /** The span of the reference that covers `tMs`: from it on while conditions hold, or the diurnal knot around it. */
  private startReferenceSpan(tMs: number): void {
    const occ = this.current.occlusion;
    if (occ !== null && occ.severity >= 1) {
      if (Number.isNaN(this.occludedBaseMmHg)) this.occludedBaseMmHg = this.openPathPressureMmHg(tMs);
      this.holdReference(tMs, this.occludedBaseMmHg);
      return;
    }
    this.occludedBaseMmHg = NaN;
    if (!this.onArterialPath()) {
      this.holdReference(tMs, this.openPathPressureMmHg(tMs));
      return;
    }
    // arterialMeanMmHg(t) = (mean + offset) + diurnal(t), the diurnal term linear over the knot
    // that covers t: the span's formula gives it bit for bit.
    this.diurnalMmHg(tMs);
    this.referenceFromMs = this.diurnalKnotStartMs;
    this.referenceUntilMs = this.diurnalKnotStartMs + DIURNAL_KNOT_MS;
    this.referenceBaseMmHg = this.artery.meanMmHg + this.current.arterialOffsetMmHg;
    this.referenceAtStartMmHg = this.diurnalAtKnot;
    this.referenceSlopePerMs = this.diurnalSlopePerMs;
  }

  /** A reference constant from `tMs` until the conditions change (value + (0 + 0·0) is the value). */
  private holdReference(tMs: number, valueMmHg: number): void {
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
    const cond = this.current;
    return this.accessed && cond.needleInPort && !(cond.leak !== null && cond.leak.fraction >= 1) && cond.tip !== 'tissue';
  }

  /**
   * Cardiac pulse amplitude reaching the pump, mmHg: (pulse pressure / 2) / √(1 + (ωτ)²), the
   * catheter's first-order low-pass; 0 when the artery is cut off (blocked, tip in tissue, needle
   * out, disconnected).
   */
  pulseAmplitudeAtPumpMmHg(): number {
    return this.derived.pulseAtPumpMmHg;
  }

  get storedVolumeUl(): number {
    return this.storedUl;
  }

  /** Integral of the stored volume over time since the plant was made, µL·ms (for window means). */
  get storedIntegral(): number {
    return this.storedIntegralUlMs;
  }

  /** Everything still inside the system (reservoir, syringe, set, implanted path). */
  remaining(): { reservoir: Totals; lockSyringe: Totals; set: Totals; implant: Totals } {
    this.flushPending();
    const reservoir = new Totals();
    reservoir.add(this.reservoirUl, this.reservoirComposition);
    const lockSyringe = new Totals();
    lockSyringe.add(this.lockSyringeUl, this.lockComposition);
    const set = new Totals();
    this.set.contents(set);
    const implant = new Totals();
    this.implant.contents(implant);
    return { reservoir, lockSyringe, set, implant };
  }
}
