/**
 * The firmware's non-volatile store: every record it keeps, as one unit it can trust at boot.
 *
 * Owns: the rings of the device, state, plan and safety records (ring.ts), what boot recovers from
 * them, the scrub that checks the newest copies while the pump runs, and manufacture-time
 * provisioning.
 * Promises:
 * - `load` never throws. It returns the newest state, the programme that state names, and the
 *   safety record, each decoded with every field checked (records.ts), plus what it found: damage
 *   it recovered from (`findings`) and damage it cannot recover from (`damage`), which the
 *   runtime answers with STORAGE_FAULT and a stopped drive — never a fresh pump.
 * - Recovery to an older copy is allowed only when at most one write is missing after it. Every
 *   state write carries at most one stroke (the runtime writes after each stroke), so a recovered
 *   state repeats at most one stroke; two or more missing writes are damage.
 * - The state record names the programme it belongs to (`planId`); a programme written but not yet
 *   named by a state (a power cut between the two writes) is ignored, as if never accepted.
 * - A store without its device record was erased (or never provisioned): damage, not a new pump.
 * - The link record (key id, last accepted counter) recovers like the others from one lost write:
 *   the lost write was made before its frame was acted on, so at most that one frame, never acted
 *   on, becomes acceptable again. A link record missing or unreadable is damage (STORAGE_FAULT),
 *   and `link` is null: the link refuses every frame until the device is re-keyed
 *   (`rekeyLink`), never a counter silently back at 0.
 */
import type { Done, HalResult, NvFlash } from '../../hal/index.ts';
import { halError } from '../../hal/index.ts';
import { EMPTY_LEDGER } from '../ledger.ts';
import { NV_LAYOUT, NV_SLOT_BYTES, NV_SLOT_COUNT } from './layout.ts';
import type { DeviceRecord, StoredLink, StoredPlan, StoredSafety, StoredState } from './records.ts';
import { NO_SAFETY, STATE_PAYLOAD_BYTES, decodeDevice, decodeLink, decodePlan, decodeSafety, decodeState, encodeDevice, encodeLink, encodePlan, encodeSafety, encodeStateInto } from './records.ts';
import type { RingScan } from './ring.ts';
import { RecordRing } from './ring.ts';

/** The state of a pump that has never been programmed. */
export const INITIAL_STATE: StoredState = { planId: 0, ledger: EMPTY_LEDGER, resumePoint: 'none', therapyPoint: 'none', connected: false };

export interface BootImage {
  readonly device: DeviceRecord | null;
  readonly state: StoredState;
  /** The programme the state names, decoded but not yet validated; null when it names none. */
  readonly plan: { readonly planId: number; readonly prescription: unknown; readonly confirmSoftLimits: boolean } | null;
  readonly safety: StoredSafety;
  /** The command link's key id and last counter; null when the record is damaged (every frame refused). */
  readonly link: StoredLink | null;
  /** Damage recovered from, one line each (logged as STORAGE_RECOVERED). */
  readonly findings: readonly string[];
  /** Damage that cannot be recovered from (STORAGE_FAULT). */
  readonly damage: readonly string[];
}

type RingKind = 'device' | 'state' | 'plan' | 'safety' | 'link';
const RING_KINDS: readonly RingKind[] = ['device', 'state', 'plan', 'safety', 'link'];

/** The link record of a newly provisioned or re-keyed device: no frame accepted yet. */
export function freshLink(keyId: number): StoredLink {
  return { keyId, lastCounter: 0 };
}

type Recovered<T> = { value: T; lost: number } | null;

export class PumpStore {
  private readonly rings: Record<RingKind, RecordRing>;
  private lastPlanId = 0;
  /** The state payload, encoded in place after every stroke. */
  private readonly statePayload = new Uint8Array(STATE_PAYLOAD_BYTES);
  private readonly statePayloadView = new DataView(this.statePayload.buffer);

  constructor(private readonly flash: NvFlash) {
    this.rings = {
      device: new RecordRing(flash, 'device', NV_LAYOUT.device),
      state: new RecordRing(flash, 'state', NV_LAYOUT.state),
      plan: new RecordRing(flash, 'plan', NV_LAYOUT.plan),
      safety: new RecordRing(flash, 'safety', NV_LAYOUT.safety),
      link: new RecordRing(flash, 'link', NV_LAYOUT.link),
    };
  }

  /** Null when the flash is large enough for the layout; otherwise why not. */
  geometryProblem(): string | null {
    if (this.flash.slotBytes < NV_SLOT_BYTES || this.flash.slotCount < NV_SLOT_COUNT) {
      return `flash of ${this.flash.slotCount} × ${this.flash.slotBytes} B is smaller than the layout's ${NV_SLOT_COUNT} × ${NV_SLOT_BYTES} B`;
    }
    return null;
  }

  /** The self-test's check of the flash: the layout fits, and a slot can be read. */
  selfTest(): { ok: boolean } {
    return { ok: this.geometryProblem() === null && this.flash.read(NV_LAYOUT.device.firstSlot, new Uint8Array(this.flash.slotBytes)).ok };
  }

  load(): BootImage {
    const findings: string[] = [];
    const damage: string[] = [];
    const geometry = this.geometryProblem();
    if (geometry !== null) return { device: null, state: INITIAL_STATE, plan: null, safety: NO_SAFETY, link: null, findings, damage: [geometry] };

    const scans = {} as Record<keyof PumpStore['rings'], RingScan | null>;
    for (const kind of RING_KINDS) {
      const scanned = this.rings[kind].scan();
      scans[kind] = scanned.ok ? scanned.scan : null;
      if (!scanned.ok) damage.push(`${kind} record unreadable: ${scanned.detail}`);
      else for (const c of scanned.scan.corrupt) findings.push(`${kind} slot ${c.slot}: ${c.reason}`);
    }

    const device = newestDecoded(scans.device, decodeDevice);
    if (scans.device !== null && device === null) damage.push('device record missing: the store was erased or never provisioned');

    const state = newestDecoded(scans.state, decodeState);
    if (scans.state !== null) {
      if (state === null) damage.push('state record (ledger and mode) missing or unreadable');
      else if (state.lost > 1) damage.push(`state record: ${state.lost} writes after copy may be lost, more than the one a recovery may repeat`);
      else if (state.lost === 1 && state.value.planId !== 0 && state.value.resumePoint === 'none') {
        // With a programme ready and no therapy under way no stroke is written: the lost write was
        // a mode change (a prime or a start), and whether the therapy began cannot be known.
        damage.push('state record: the newest write was lost while a programme was ready; whether it began a therapy cannot be known');
      } else if (state.lost === 1) findings.push('state record: the newest write was lost; resumed from the copy before it (at most one stroke repeated)');
    }
    const stateValue = state !== null && state.lost <= 1 ? state.value : INITIAL_STATE;

    const safety = newestDecoded(scans.safety, decodeSafety);
    if (scans.safety !== null) {
      if (safety === null) damage.push('safety record (latched alarms, restart lockout) missing or unreadable');
      else if (safety.lost > 1) damage.push(`safety record: ${safety.lost} writes may be lost`);
      else if (safety.lost === 1) findings.push('safety record: the newest write was lost; restored from the copy before it');
    }

    const link = newestDecoded(scans.link, decodeLink);
    if (scans.link !== null) {
      if (link === null) damage.push('link record (command counter) missing or unreadable: every frame is refused until the device is re-keyed');
      else if (link.lost > 1) damage.push(`link record: ${link.lost} writes may be lost: every frame is refused until the device is re-keyed`);
      else if (link.lost === 1) findings.push('link record: the newest write was lost; restored from the copy before it (its frame was never acted on)');
    }

    let plan: BootImage['plan'] = null;
    if (scans.plan !== null) {
      for (const copy of scans.plan.copies) {
        const decoded = decodePlan(copy.payload);
        if (!decoded.ok) {
          findings.push(`plan copy ${copy.seq}: ${decoded.reason}`);
          continue;
        }
        this.lastPlanId = Math.max(this.lastPlanId, decoded.value.planId);
        if (plan === null && decoded.value.planId === stateValue.planId) plan = decoded.value;
      }
    }
    this.lastPlanId = Math.max(this.lastPlanId, stateValue.planId);
    if (stateValue.planId !== 0 && plan === null) {
      const underWay = stateValue.resumePoint !== 'none' && stateValue.resumePoint !== 'locked';
      const what = `plan record ${stateValue.planId}, named by the state record, is missing or unreadable`;
      if (underWay) damage.push(what);
      else findings.push(`${what}; no therapy was under way`);
    }
    return { device: device?.value ?? null, state: stateValue, plan, safety: safety !== null && safety.lost <= 1 ? safety.value : NO_SAFETY, link: link !== null && link.lost <= 1 ? link.value : null, findings, damage };
  }

  /** Written after every stroke, so it is encoded into one payload kept for it. */
  writeState(s: StoredState): HalResult<Done> {
    encodeStateInto(s, this.statePayloadView);
    return this.rings.state.write(this.statePayload);
  }

  /** Writes a newly accepted programme; answers the id the state record must name. */
  writePlan(p: Omit<StoredPlan, 'planId'>): HalResult<{ ok: true; planId: number }> {
    const planId = this.lastPlanId + 1;
    const written = this.write('plan', encodePlan({ ...p, planId }));
    if (!written.ok) return written;
    this.lastPlanId = planId;
    return { ok: true, planId };
  }

  writeSafety(s: StoredSafety): HalResult<Done> {
    return this.write('safety', encodeSafety(s));
  }

  /** Written before an accepted frame is acted on. */
  writeLink(l: StoredLink): HalResult<Done> {
    return this.write('link', encodeLink(l));
  }

  private write(kind: 'state' | 'plan' | 'safety' | 'link', payload: Uint8Array): HalResult<Done> {
    return this.rings[kind].write(payload);
  }

  /**
   * Audits every ring (ring.ts); one that no longer holds what its writes left — a flipped bit, a
   * torn or reverted write, an erased region — is written whole again from what the firmware
   * holds. Answers what was repaired and what could not be, one line each.
   */
  scrub(): { repaired: readonly string[]; failed: readonly string[] } {
    const repaired: string[] = [];
    const failed: string[] = [];
    for (const kind of RING_KINDS) {
      const ring = this.rings[kind];
      const audit = ring.audit();
      if (audit.ok && audit.intact) continue;
      const found = audit.ok ? audit.found : audit.detail;
      if (ring.refresh().ok) repaired.push(`${kind} record: ${found}; written again`);
      else failed.push(`${kind} record: ${found}; cannot be written again`);
    }
    return { repaired, failed };
  }
}

/** The newest copy that decodes, and how many writes after it are missing (lost slots and copies that did not decode). */
function newestDecoded<T>(scan: RingScan | null, decode: (p: Uint8Array) => { ok: true; value: T } | { ok: false; reason: string }): Recovered<T> {
  if (scan === null) return null;
  let lost = scan.lostWrites;
  for (const copy of scan.copies) {
    const decoded = decode(copy.payload);
    if (decoded.ok) return { value: decoded.value, lost };
    lost++;
  }
  return null;
}

/**
 * Manufacture: writes the device record (both copies) and the first state and safety records, so
 * that a store without them is known to be damaged. Refuses a flash that already holds a device.
 */
export function provisionStore(flash: NvFlash, device: DeviceRecord, linkKeyId = 1): HalResult<Done> {
  const store = new PumpStore(flash);
  const problem = store.geometryProblem();
  if (problem !== null) return halError('outOfRange', problem);
  const ring = new RecordRing(flash, 'device', NV_LAYOUT.device);
  const scanned = ring.scan();
  if (!scanned.ok) return scanned;
  if (scanned.scan.copies.length > 0) return halError('other', 'flash already provisioned');
  for (let i = 0; i < NV_LAYOUT.device.slotCount; i++) {
    const w = ring.write(encodeDevice(device));
    if (!w.ok) return w;
  }
  const state = store.writeState(INITIAL_STATE);
  if (!state.ok) return state;
  const link = store.writeLink(freshLink(linkKeyId));
  if (!link.ok) return link;
  return store.writeSafety(NO_SAFETY);
}

/**
 * Service: the secure element was given a new key under `keyId` (docs/link.md, rotation), so the
 * link starts over with that key and counter 0. The only way out of a damaged link record.
 */
export function rekeyLink(flash: NvFlash, keyId: number): HalResult<Done> {
  if (!Number.isInteger(keyId) || keyId < 1 || keyId > 254) return halError('outOfRange', `key id ${keyId} is outside 1–254`);
  return new PumpStore(flash).writeLink(freshLink(keyId));
}
