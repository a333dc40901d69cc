/**
 * The hydraulic figures of the fluid path under the current conditions (docs/domain.md §2, §5).
 *
 * Owns: the lumped model's constants — the upstream compliance C, the drain time constant
 * τ = R·C, and the cardiac pulse amplitude that reaches the pump.
 * Promises: a pure function of (path, artery, conditions, access); the plant recomputes it only
 * when a condition or the access changes.
 * Model: a blockage at a location adds resistance (severity s → R/(1 − s), complete at s = 1) and
 * leaves only the compliance upstream of it; the catheter low-pass attenuates the pulse
 * (pulse pressure / 2 at the heart rate) by 1/√(1 + (ωτ)²). A blocked side-hole catheter adds
 * `wallPulseFraction` × (pulse pressure / 2) through its wall (at most the undamped pulse).
 */
import type { DeviceProfile } from '../profile.ts';
import type { PlantConditions } from './conditions.ts';
import type { PatientArtery } from './reference.ts';

export interface Hydraulics {
  /** Time constant of the stored volume draining, s (Infinity when blocked). */
  readonly tauS: number;
  /** Line compliance upstream of any blockage, µL/mmHg. */
  readonly complianceUlPerMmHg: number;
  /** Cardiac pulse amplitude at the pump, mmHg (0 when the artery is cut off). */
  readonly pulseAtPumpMmHg: number;
}

export function hydraulicsOf(path: DeviceProfile['path'], artery: PatientArtery, cond: Readonly<PlantConditions>, accessed: boolean): Hydraulics {
  // With the needle out of the port, a blockage in the port or catheter is not in the path; one
  // upstream of the pump starves the strokes (plant.ts) and leaves the path as it is.
  const located = cond.occlusion;
  const occ = located === null || located.location === 'upstream' || (!accessed && (located.location === 'port' || located.location === 'catheter')) ? null : { location: located.location, severity: located.severity };
  const complianceUlPerMmHg = occ === null ? path.lineComplianceUlPerMmHg : path.lineComplianceUlPerMmHg * path.complianceUpstreamFraction[occ.location];
  const tauS = occ !== null && occ.severity >= 1 ? Infinity : (path.resistanceMmHgSecondPerUl / (occ === null ? 1 : 1 - occ.severity)) * complianceUlPerMmHg;
  let pulseAtPumpMmHg = 0;
  const arterialPath = accessed && cond.needleInPort && cond.tip !== 'tissue' && !(cond.leak !== null && cond.leak.fraction >= 1);
  if (arterialPath && tauS !== Infinity) {
    const wt = ((2 * Math.PI * artery.heartRateBpm) / 60) * tauS;
    pulseAtPumpMmHg = artery.pulsePressureMmHg / 2 / Math.sqrt(1 + wt * wt);
  }
  // A side-hole catheter blocked at its outlet: the tip still sits in the arterial stream, and a
  // share of the pulse crosses the catheter wall into the line (DOMAIN §7); no flow does.
  const wall = occ !== null && occ.location === 'catheter' && located !== null ? (located.wallPulseFraction ?? 0) : 0;
  if (arterialPath && wall > 0) pulseAtPumpMmHg = Math.min(artery.pulsePressureMmHg / 2, pulseAtPumpMmHg + (wall * artery.pulsePressureMmHg) / 2);
  return { tauS, complianceUlPerMmHg, pulseAtPumpMmHg };
}
