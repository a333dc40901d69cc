/**
 * The plant: reservoir, pump mechanism, fluid path and hepatic artery — the ground truth.
 *
 * Owns: where every microlitre and milligram is: the reservoir and lock syringe, the stroke (unit
 * error, stroke noise, stall, over-delivery, drift), the stored volume in the line and its drain,
 * and moving the outflow through the path to its destinations. Nothing here is visible to the
 * firmware except through the device models in sim/world/devices/.
 * Promises:
 * - Mass balance, exactly: what was filled = reached the hepatic artery + went elsewhere
 *   (extrahepatic branch, pocket, leak, prime waste) + remains (reservoir, lock syringe, path).
 * - Deterministic: the plant changes only when the simulator advances it to a time or applies a
 *   stroke; its only randomness is the counter-based stroke and stall draws it is given (rng.ts).
 *
 * Models (units in names; docs/domain.md §2, §5):
 * - Free flow (a siphon, a failed valve): volume leaves the source at its rate without strokes,
 *   into the line as a stroke's would.
 * - Pressure relief (GIP 1.10.6): the head run back draws the newest fluid of the line back into
 *   its source, at most what the compliance stores (no backflow from the artery).
 * - Upstream occlusion (severity s, between reservoir and pump head): each stroke moves (1 − s) of
 *   its volume; the motor turns all the same (the encoder counts it).
 * - Transport: plug flow through two FIFOs of parcels (transport.ts) — the set (line + Huber
 *   needle) and the implanted path (port chamber + catheter). Before the needle is in the port the
 *   set empties to prime waste.
 * - Stroke characteristic (docs/devices.md): a stroke moves the nominal volume × (1 + k_P·P/100)
 *   × (1 + k_T·(T − T_ref)), P the line pressure across the pump head as the stroke starts
 *   (reference + stored volume / C), T the device's temperature (`deviceCelsius`); k = 0 leaves
 *   the stroke as it is, bit for bit.
 * - Hydraulics (hydraulics.ts): one lumped line compliance C with the path resistance R. A stroke
 *   of ΔV raises the stored volume; it drains to the outlet as V(t) = V₀·e^(−t/τ), τ = R·C
 *   (≈ 0.3 s), so the line pressure is P_ref + V/C, P_ref from reference.ts.
 */
import type { DeviceProfile } from '../profile.ts';
import { BODY_WORN_CELSIUS } from '../profile.ts';
import type { Composition } from './composition.ts';
import { NO_DRUG, Totals, mixed } from './composition.ts';
import type { PlantConditions } from './conditions.ts';
import { nominalConditions } from './conditions.ts';
import type { Hydraulics } from './hydraulics.ts';
import { hydraulicsOf } from './hydraulics.ts';
import type { PatientArtery } from './reference.ts';
import { PressureReference } from './reference.ts';
import { Fifo } from './transport.ts';

const MS_PER_DAY = 86_400_000;
/** Outflow is moved through the FIFOs in batches of at least this volume (totals stay exact). */
const TRANSPORT_BATCH_UL = 0.05;

export class Plant {
  readonly profile: DeviceProfile;
  readonly artery: PatientArtery;
  private readonly current: PlantConditions = nominalConditions();
  /** Hydraulic figures derived from the conditions; recomputed only when a condition changes. */
  private derived: Hydraulics = { tauS: 0, complianceUlPerMmHg: 0, pulseAtPumpMmHg: 0 };
  /** The back-pressure the line relaxes towards; the pressure front-end reads it at every window. */
  readonly reference: PressureReference;

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
  private accessed = false;
  private pumpedUl = 0;
  private strokes = 0;
  private retractedUl = 0;
  private retractions = 0;
  private readonly unitFactor: number;
  private readonly strokeNoise: (index: number) => number;
  private cacheDtMs = -1;
  private cacheTauS = -1;
  private cacheDecay = 1;

  private readonly stallDraw: (index: number) => number;
  private attempts = 0;
  /** The device's working temperature while no fault sets another, °C. */
  private readonly baseCelsius: number;
  private celsius: number;

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
    this.baseCelsius = profile.temperatureC ?? BODY_WORN_CELSIUS;
    this.celsius = this.baseCelsius;
    this.reference = new PressureReference(artery, this.current);
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

  /** Strokes the head ran back (pressure relief), and the volume they drew back into the source. */
  get strokesRetracted(): number {
    return this.retractions;
  }

  get retractedVolumeUl(): number {
    return this.retractedUl;
  }

  /**
   * The volume a stroke moves now, on average over the stroke-to-stroke noise (unit error,
   * over-delivery, drift, an upstream block), µL: the mechanism's truth, as \`stroke\` computes it.
   */
  get meanStrokeVolumeUl(): number {
    const cond = this.current;
    const driftDays = cond.strokeVolumeDriftPerDay === 0 ? 0 : (this.tMs - cond.strokeVolumeDriftSinceMs) / MS_PER_DAY;
    return (
      this.profile.mechanism.strokeVolumeUl *
      this.characteristicFactor() *
      this.unitFactor *
      cond.overDeliveryFactor *
      Math.max(0, 1 + cond.strokeVolumeDriftPerDay * driftDays) *
      (cond.occlusion !== null && cond.occlusion.location === 'upstream' ? 1 - cond.occlusion.severity : 1)
    );
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
    this.reference.accessed = true;
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
    this.reference.accessed = false;
    this.set.drain((v, c) => this.primeWaste.add(v, c));
    const v = this.profile.path.volumeUl;
    this.set.push(v.line + v.needle, NO_DRUG);
    this.filled.add(v.line + v.needle, NO_DRUG);
    this.storedUl = 0;
    this.deriveHydraulics();
  }

  // --- The device's temperature and the stroke characteristic --------------------------------

  /** The device's temperature now (drive and electronics), °C: the truth the temperature sensor reads. */
  get deviceCelsius(): number {
    return this.celsius;
  }

  /** The device at `celsius` from now on (null: back to its working temperature). */
  setDeviceCelsius(celsius: number | null): void {
    this.celsius = celsius ?? this.baseCelsius;
  }

  /** Line pressure across the pump head now, mmHg: the reference plus the stored volume over the compliance. */
  linePressureMmHg(): number {
    const c = this.derived.complianceUlPerMmHg;
    return this.reference.pressureMmHg(this.tMs) + (c > 0 ? this.storedUl / c : 0);
  }

  /**
   * The stroke's characteristic now: (1 + k_P·P/100 mmHg)·(1 + k_T·(T − T_ref)), at least 0
   * (docs/devices.md). Exactly 1 with both coefficients 0, without reading the pressure.
   */
  characteristicFactor(): number {
    const m = this.profile.mechanism;
    const kP = m.backPressureFractionPer100MmHg;
    const kT = m.temperatureFractionPerC;
    if (kP === 0 && kT === 0) return 1;
    const pressure = kP === 0 ? 1 : 1 + (kP * this.linePressureMmHg()) / 100;
    const temperature = kT === 0 ? 1 : 1 + kT * (this.celsius - m.referenceTemperatureC);
    return Math.max(0, pressure * temperature);
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
    this.derived = hydraulicsOf(this.profile.path, this.artery, this.current, this.accessed);
    this.reference.endSpan();
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
    if (this.current.freeFlowUlPerHour > 0) this.freeFlow((this.current.freeFlowUlPerHour * dtMs) / 3_600_000);
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
      this.characteristicFactor() *
      this.unitFactor *
      (1 + this.profile.mechanism.strokeErrorFraction * this.strokeNoise(index)) *
      cond.overDeliveryFactor *
      Math.max(0, 1 + cond.strokeVolumeDriftPerDay * driftDays) *
      // A blocked reservoir side: the head turns and fills only through what is left open.
      (cond.occlusion !== null && cond.occlusion.location === 'upstream' ? 1 - cond.occlusion.severity : 1);
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

  /**
   * Runs the head back by one stroke now (pressure relief after an occlusion, GIP 1.10.6). Returns
   * the volume drawn back from the line into the source, or -1 when the mechanism stalled. A
   * retraction draws at most what the line's compliance stores above its back-pressure: the model
   * has no backflow from the artery, so a head run back further moves nothing more (the firmware
   * bounds the relief by what the pressure says is stored, firmware/relief.ts).
   */
  retract(): number {
    const cond = this.current;
    const attempt = this.attempts++;
    if (cond.stallProbability > 0 && (cond.stallProbability >= 1 || this.stallDraw(attempt) < cond.stallProbability)) return -1;
    this.retractions++;
    const wanted = this.profile.mechanism.strokeVolumeUl * this.unitFactor;
    const drawn = wanted < this.storedUl ? wanted : this.storedUl;
    if (drawn <= 0) return 0;
    this.storedUl -= drawn;
    this.pumpedUl -= drawn;
    this.retractedUl += drawn;
    this.set.takeFromTail(drawn, (v, c) => {
      if (this.source === 'lockSyringe') {
        this.lockComposition = mixed(this.lockSyringeUl, this.lockComposition, v, c);
        this.lockSyringeUl += v;
      } else {
        this.reservoirComposition = mixed(this.reservoirUl, this.reservoirComposition, v, c);
        this.reservoirUl += v;
      }
    });
    return drawn;
  }

  /**
   * Free flow: `volumeUl` leaves the source past the pump head into the line, as a stroke's volume
   * does (the outlet flow sensor sees it), without a stroke; no more than the source holds.
   */
  private freeFlow(volumeUl: number): void {
    let moved: number;
    let composition: Composition;
    if (this.source === 'lockSyringe') {
      moved = Math.min(volumeUl, this.lockSyringeUl);
      this.lockSyringeUl -= moved;
      composition = this.lockComposition;
    } else {
      moved = Math.max(0, Math.min(volumeUl, this.reservoirUl - this.profile.reservoir.residualUl));
      this.reservoirUl -= moved;
      composition = this.reservoirComposition;
    }
    if (moved <= 0) return;
    this.set.push(moved, composition);
    this.storedUl += moved;
    this.pumpedUl += moved;
  }

  // --- What sensors can measure -------------------------------------------------------------

  /** Arterial mean pressure now (without the pulse), mmHg. */
  arterialMeanMmHg(tMs: number): number {
    return this.reference.arterialMeanMmHg(tMs);
  }

  /** Pressure the line relaxes towards, mmHg (`PressureReference.pressureMmHg`). */
  referencePressureMmHg(tMs: number): number {
    return this.reference.pressureMmHg(tMs);
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

  /**
   * Volume drained out of the line's compliance since the plant was made, at `tMs` (not before
   * the plant's own time), without advancing the plant: everything pumped less what the
   * compliance still holds, V(t) = V₀·e^(−(t − t₀)/τ). The path is incompressible plug flow, so
   * this is what has left the outlet (prime waste, artery and any other destination together) —
   * a balance at the catheter tip reads its increments (sim/bench/balance.ts). Exact to the
   * microlitre fraction, without the transport's 0.05 µL batches.
   */
  drainedVolumeUl(tMs: number): number {
    const dtMs = tMs - this.tMs;
    const tauS = this.tauSeconds();
    const stored = dtMs <= 0 || tauS === Infinity ? this.storedUl : this.storedUl * Math.exp(-dtMs / 1000 / tauS);
    return this.pumpedUl - stored;
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
