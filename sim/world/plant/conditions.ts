/**
 * The conditions the plant runs under: faults and episodes as the plant sees them.
 *
 * Owns: `PlantConditions` (occlusion, tip position, needle, leak, stall, over-delivery, stroke
 * drift, arterial offset) and the nominal set.
 * Promises: the nominal set is a working pump in a patent artery; a change takes effect only
 * through `Plant.setConditions`, at the plant's current time.
 */
import type { OcclusionLocation, PathLocation } from '../profile.ts';

/** Faults and episodes as the plant sees them; sim/world/faults.ts turns fault kinds into these. */
export interface PlantConditions {
  /** `upstream`: between reservoir and pump head; the others on the path downstream of the pump. */
  occlusion: {
    location: OcclusionLocation;
    severity: number;
    /**
     * A side-hole catheter (location 'catheter' only): share 0–1 of the arterial pulse that still
     * reaches the pump through the catheter wall with the outlet blocked (absent: 0).
     */
    wallPulseFraction?: number;
  } | null;
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
  /** Flow from the source the pump does not drive (a siphon, a failed valve), µL/h. */
  freeFlowUlPerHour: number;
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
    freeFlowUlPerHour: 0,
  };
}
