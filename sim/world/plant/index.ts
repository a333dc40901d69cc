/**
 * The plant, the ground truth of a run, one concern per file.
 *
 * Owns: nothing of its own; it names the plant's parts for the rest of the simulator.
 * Promises: mass balance exactly, determinism (plant/plant.ts); see each file's header.
 */
export { UnintendedBolus } from './bolus.ts';
export type { Composition } from './composition.ts';
export { NO_DRUG, Totals } from './composition.ts';
export type { PlantConditions } from './conditions.ts';
export { nominalConditions } from './conditions.ts';
export type { Hydraulics } from './hydraulics.ts';
export { Plant } from './plant.ts';
export type { PatientArtery } from './reference.ts';
export { PressureReference } from './reference.ts';
export { Fifo } from './transport.ts';
