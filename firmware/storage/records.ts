/**
 * The payload of each stored record, field by field.
 *
 * Owns: the byte layout of the device, state, plan and safety records, and decoding them back
 * with every field checked.
 * Promises: a decoder never throws and never guesses: a payload whose length, an enumeration, a
 * flag or a number is not what the encoder can write decodes to a refusal naming the field. A
 * decoded record is only as trusted as its fields; consistency with the plan and between records
 * is checked where they meet (store.ts, runtime.ts). The plan record keeps the programme as the
 * clinician entered it, and boot runs it through the same validation and planning as a `program`
 * command.
 */
import type { AlarmCode } from '../alarms.ts';
import { ALARM_CODES } from '../alarms.ts';
import type { PrescriptionInput } from '../dosing.ts';
import type { Ledger, PhaseKind } from '../ledger.ts';
import { makeLedger } from '../ledger.ts';
import type { ResumePoint, TherapyPoint } from '../machine.ts';
import { RESUME_POINTS, THERAPY_POINTS } from '../machine.ts';
import { ByteReader, ByteWriter } from './frame.ts';

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const PHASES: readonly PhaseKind[] = ['none', 'prime', 'infuse', 'flush'];
const NO_CODE = 255;

const refuse = <T>(reason: string): Decoded<T> => ({ ok: false, reason });

// --- device: written once at manufacture -----------------------------------------------------

export interface DeviceRecord {
  readonly serialNumber: string;
}

export function encodeDevice(d: DeviceRecord): Uint8Array {
  return new ByteWriter().text(d.serialNumber, 32).finish();
}

export function decodeDevice(payload: Uint8Array): Decoded<DeviceRecord> {
  const r = new ByteReader(payload);
  const serialNumber = r.text();
  if (serialNumber === null || serialNumber === '' || !r.exact) return refuse('device.serialNumber is not a stored serial number');
  return { ok: true, value: { serialNumber } };
}

// --- state: the ledger and where the therapy stands, written after every stroke ----------------

/** Where a therapy stands, as one unit: the ledger and the mode are never out of step in flash. */
export interface StoredState {
  /** The programme this state belongs to (`StoredPlan.planId`); 0 when none was ever accepted. */
  readonly planId: number;
  readonly ledger: Ledger;
  readonly resumePoint: ResumePoint;
  readonly therapyPoint: TherapyPoint;
  readonly connected: boolean;
}

/** Bytes of the state payload: the layout `encodeStateInto` writes. */
export const STATE_PAYLOAD_BYTES = 56;

/** The state's payload, written through `view` from its first byte (STATE_PAYLOAD_BYTES of it). */
export function encodeStateInto(s: StoredState, view: DataView): void {
  const l = s.ledger;
  view.setUint32(0, s.planId, true);
  view.setUint32(4, l.primeStrokes, true);
  view.setUint32(8, l.infusionStrokes, true);
  view.setUint32(12, l.flushStrokes, true);
  view.setUint8(16, PHASES.indexOf(l.phaseKind));
  view.setUint8(17, RESUME_POINTS.indexOf(s.resumePoint));
  view.setUint8(18, THERAPY_POINTS.indexOf(s.therapyPoint));
  view.setUint8(19, s.connected ? 1 : 0);
  view.setUint32(20, l.phaseTotalStrokes, true);
  view.setUint32(24, l.phaseDeliveredStrokes, true);
  view.setFloat64(28, l.phaseDurationMs, true);
  view.setFloat64(36, l.phaseElapsedMs, true);
  view.setFloat64(44, l.reservoirFillUl, true);
  view.setUint32(52, l.creditCarryNl, true);
}

/** The state's payload, in bytes of its own. */
export function encodeState(s: StoredState): Uint8Array {
  const bytes = new Uint8Array(STATE_PAYLOAD_BYTES);
  encodeStateInto(s, new DataView(bytes.buffer));
  return bytes;
}

/** Upper bound of a stored duration: a year; anything longer is not a programme this pump runs. */
const MAX_STORED_MS = 366 * 86_400_000;
/** Upper bound of a stroke, nL (the device files' largest, 10 µL): a carried credit is less. */
const MAX_STROKE_NL = 10_000;
/** Upper bound of a stored fill: a litre. */
const MAX_STORED_FILL_UL = 1_000_000;

export function decodeState(payload: Uint8Array): Decoded<StoredState> {
  const r = new ByteReader(payload);
  const planId = r.u32();
  const primeStrokes = r.u32();
  const infusionStrokes = r.u32();
  const flushStrokes = r.u32();
  const phaseKind = PHASES[r.u8()];
  const resumePoint = RESUME_POINTS[r.u8()];
  const therapyPoint = THERAPY_POINTS[r.u8()];
  const connectedByte = r.u8();
  const phaseTotalStrokes = r.u32();
  const phaseDeliveredStrokes = r.u32();
  const phaseDurationMs = r.f64();
  const phaseElapsedMs = r.f64();
  const reservoirFillUl = r.f64();
  const creditCarryNl = r.u32();
  if (!r.exact) return refuse(`state payload is ${payload.length} bytes, not the layout's`);
  if (phaseKind === undefined) return refuse('state.phaseKind is not a known phase');
  if (resumePoint === undefined) return refuse('state.resumePoint is not a known resume point');
  if (therapyPoint === undefined) return refuse('state.therapyPoint is not a known therapy point');
  if (connectedByte > 1) return refuse(`state.connected = ${connectedByte} is neither 0 nor 1`);
  const ms = (name: string, v: number): string | null => (Number.isFinite(v) && v >= 0 && v <= MAX_STORED_MS ? null : `state.${name} = ${v} is outside 0–${MAX_STORED_MS} ms`);
  const bad = ms('phaseDurationMs', phaseDurationMs) ?? ms('phaseElapsedMs', phaseElapsedMs);
  if (bad !== null) return refuse(bad);
  if (!(Number.isFinite(reservoirFillUl) && reservoirFillUl >= 0 && reservoirFillUl <= MAX_STORED_FILL_UL)) return refuse(`state.reservoirFillUl = ${reservoirFillUl} is outside 0–${MAX_STORED_FILL_UL} µL`);
  if (phaseDeliveredStrokes > phaseTotalStrokes) return refuse(`state.phaseDeliveredStrokes = ${phaseDeliveredStrokes} exceeds the phase's ${phaseTotalStrokes}`);
  if (phaseElapsedMs > phaseDurationMs) return refuse(`state.phaseElapsedMs = ${phaseElapsedMs} exceeds the phase's ${phaseDurationMs} ms`);
  const phaseCount = { none: 0, prime: primeStrokes, infuse: infusionStrokes, flush: flushStrokes }[phaseKind];
  if (phaseKind === 'none' && (phaseTotalStrokes !== 0 || phaseDeliveredStrokes !== 0 || phaseDurationMs !== 0 || phaseElapsedMs !== 0)) return refuse('state: no phase under way, yet phase figures are set');
  if (phaseKind !== 'none' && phaseDeliveredStrokes > phaseCount) return refuse(`state.phaseDeliveredStrokes = ${phaseDeliveredStrokes} exceeds the ${phaseKind} strokes counted (${phaseCount})`);
  if (creditCarryNl >= MAX_STROKE_NL) return refuse(`state.creditCarryNl = ${creditCarryNl} is outside 0–${MAX_STROKE_NL - 1} nL (less than one stroke)`);
  if (phaseKind === 'none' && creditCarryNl !== 0) return refuse('state: no phase under way, yet a stroke credit is carried');
  const ledger = makeLedger({ primeStrokes, infusionStrokes, flushStrokes, phaseKind, phaseTotalStrokes, phaseDurationMs, phaseElapsedMs, phaseDeliveredStrokes, reservoirFillUl, creditCarryNl });
  return { ok: true, value: { planId, ledger, resumePoint, therapyPoint, connected: connectedByte === 1 } };
}

// --- plan: the programme as the clinician entered it ----------------------------------------

export interface StoredPlan {
  /** Increases with every accepted programme; the state record names the one it belongs to. */
  readonly planId: number;
  readonly prescription: PrescriptionInput;
  readonly confirmSoftLimits: boolean;
}

/** The prescription's numeric fields in their stored order. */
const PRESCRIPTION_FIELDS = ['fudrMgPerKgPerDay', 'dexamethasoneMgPerM2PerDay', 'heparinUnitsPerMl', 'infusionDays', 'doseFactor', 'reservoirVolumeMl', 'heparinLockVolumeMl', 'heparinLockUnitsPerMl'] as const;

export function encodePlan(p: StoredPlan): Uint8Array {
  const patient = p.prescription.patient;
  const flags = (p.confirmSoftLimits ? 1 : 0) | (patient.heightCm !== undefined ? 2 : 0) | (patient.bsaM2 !== undefined ? 4 : 0);
  const w = new ByteWriter(128).u32(p.planId).u8(flags).f64(patient.weightKg).f64(patient.heightCm ?? 0).f64(patient.bsaM2 ?? 0);
  for (const field of PRESCRIPTION_FIELDS) w.f64(p.prescription[field]);
  return w.finish();
}

/**
 * The stored programme, shaped as a `program` command's prescription but not yet trusted: the
 * caller validates and plans it exactly as it would a new programme.
 */
export function decodePlan(payload: Uint8Array): Decoded<{ readonly planId: number; readonly prescription: unknown; readonly confirmSoftLimits: boolean }> {
  const r = new ByteReader(payload);
  const planId = r.u32();
  const flags = r.u8();
  const weightKg = r.f64();
  const heightCm = r.f64();
  const bsaM2 = r.f64();
  const values = PRESCRIPTION_FIELDS.map(() => r.f64());
  if (!r.exact) return refuse(`plan payload is ${payload.length} bytes, not the layout's`);
  if ((flags & ~7) !== 0) return refuse(`plan flags 0x${flags.toString(16)} hold unknown bits`);
  if (planId === 0) return refuse('plan.planId is 0, which names no programme');
  const patient = { weightKg, ...((flags & 2) !== 0 ? { heightCm } : {}), ...((flags & 4) !== 0 ? { bsaM2 } : {}) };
  const prescription = Object.fromEntries([['patient', patient], ...PRESCRIPTION_FIELDS.map((f, i) => [f, values[i]])]);
  return { ok: true, value: { planId, prescription, confirmSoftLimits: (flags & 1) !== 0 } };
}

// --- safety: latched alarms, their acknowledgement, and the restart lockout's history ---------

export interface StoredAlarm {
  readonly code: AlarmCode;
  readonly onsetMs: number;
  readonly conditionActive: boolean;
  readonly acknowledged: boolean;
}

export interface StoredSafety {
  /** Latched alarms present, with their acknowledgement (a power cycle clears none of them). */
  readonly latched: readonly StoredAlarm[];
  /** The alarm that stopped the drive last, whose restarts Open PCA EC23 counts. */
  readonly stoppedBy: AlarmCode | null;
  readonly restarts: readonly { readonly code: AlarmCode; readonly atMs: number }[];
  /** The EC23 lockout is in force (REPEATED_ALARM until acknowledged). */
  readonly restartLockout: boolean;
}

export const NO_SAFETY: StoredSafety = { latched: [], stoppedBy: null, restarts: [], restartLockout: false };

/** At most this many alarms and restarts are kept: the table has fewer codes, EC23 counts three. */
const MAX_ENTRIES = 32;

export function encodeSafety(s: StoredSafety): Uint8Array {
  const w = new ByteWriter(128).u8(s.restartLockout ? 1 : 0).u8(s.stoppedBy === null ? NO_CODE : ALARM_CODES.indexOf(s.stoppedBy));
  const restarts = s.restarts.slice(-MAX_ENTRIES);
  w.u8(restarts.length);
  for (const r of restarts) w.u8(ALARM_CODES.indexOf(r.code)).f64(r.atMs);
  const latched = s.latched.slice(0, MAX_ENTRIES);
  w.u8(latched.length);
  for (const a of latched) w.u8(ALARM_CODES.indexOf(a.code)).f64(a.onsetMs).u8((a.conditionActive ? 1 : 0) | (a.acknowledged ? 2 : 0));
  return w.finish();
}

export function decodeSafety(payload: Uint8Array): Decoded<StoredSafety> {
  const r = new ByteReader(payload);
  const flags = r.u8();
  const stoppedByIndex = r.u8();
  const code = (i: number): AlarmCode | undefined => ALARM_CODES[i];
  const time = (v: number): boolean => Number.isFinite(v) && v >= 0;
  if (flags > 1) return refuse(`safety flags 0x${flags.toString(16)} hold unknown bits`);
  const stoppedBy = stoppedByIndex === NO_CODE ? null : code(stoppedByIndex);
  if (stoppedBy === undefined) return refuse(`safety.stoppedBy = ${stoppedByIndex} is not an alarm code`);
  const restarts: { code: AlarmCode; atMs: number }[] = [];
  const restartCount = r.u8();
  if (restartCount > MAX_ENTRIES) return refuse(`safety.restarts holds ${restartCount} entries, more than ${MAX_ENTRIES}`);
  for (let i = 0; i < restartCount; i++) {
    const c = code(r.u8());
    const atMs = r.f64();
    if (c === undefined || !time(atMs)) return refuse(`safety.restarts[${i}] is not an alarm code and time`);
    restarts.push({ code: c, atMs });
  }
  const latched: StoredAlarm[] = [];
  const latchedCount = r.u8();
  if (latchedCount > MAX_ENTRIES) return refuse(`safety.latched holds ${latchedCount} entries, more than ${MAX_ENTRIES}`);
  for (let i = 0; i < latchedCount; i++) {
    const c = code(r.u8());
    const onsetMs = r.f64();
    const bits = r.u8();
    if (c === undefined || !time(onsetMs) || bits > 3) return refuse(`safety.latched[${i}] is not an alarm code, onset and flags`);
    latched.push({ code: c, onsetMs, conditionActive: (bits & 1) !== 0, acknowledged: (bits & 2) !== 0 });
  }
  if (!r.exact) return refuse(`safety payload is ${payload.length} bytes, not the layout's`);
  return { ok: true, value: { latched, stoppedBy, restarts, restartLockout: flags === 1 } };
}

// --- link: the command link's key id and last accepted counter ----------------------------------

/**
 * The command link's replay state: the key id frames are accepted under (lower ids are retired)
 * and the counter of the last accepted frame. Written before an accepted frame is acted on.
 */
export interface StoredLink {
  readonly keyId: number;
  readonly lastCounter: number;
}

export function encodeLink(l: StoredLink): Uint8Array {
  return new ByteWriter(8).u8(l.keyId).u32(l.lastCounter).finish();
}

export function decodeLink(payload: Uint8Array): Decoded<StoredLink> {
  const r = new ByteReader(payload);
  const keyId = r.u8();
  const lastCounter = r.u32();
  if (!r.exact) return refuse(`link payload is ${payload.length} bytes, not the layout's`);
  if (keyId < 1 || keyId > 254) return refuse(`link.keyId = ${keyId} is outside 1–254`);
  return { ok: true, value: { keyId, lastCounter } };
}
