/**
 * The clinician programmer: the one way the simulated people, the verification harness and the
 * tests reach a pump's command interface.
 *
 * Owns: the programmer's pairing with one unit (device id, key id, key), its counter, building and
 * signing frames (firmware/link/frame.ts layout, HMAC-SHA256 with 128 bits kept), and the record
 * of the frames it sent (what a radio eavesdropper could capture, for the replay attack).
 * Promises:
 * - Every frame carries a counter one above the last this programmer signed; a programmer that
 *   outlives a run (a course's cycles) keeps counting.
 * - `send` answers what the pump answered; nothing here reads the pump's state.
 * - The attack helpers (`forged`, `tampered`, `forDevice`, `withCounter`) build frames as an
 *   adversary or a faulty programmer would; they never advance the counter but `tampered` does
 *   (the programmer believes it sent that frame).
 */
import type { CommandAnswer, PumpCommand } from '../../firmware/index.ts';
import { LINK_TAG_BYTES, encodeLinkFrameBody, withTag } from '../../firmware/index.ts';
import { hmacSha256, manufactureLinkKey } from './devices/secureElement.ts';

export interface PairedUnit {
  readonly deviceId: string;
  readonly keyId: number;
  readonly key: Uint8Array;
}

/** What a frame goes to: the firmware's link entry. */
export interface FrameReceiver {
  receiveFrame(bytes: unknown): CommandAnswer;
}

/** Signs the frame's body under `key`: the body with the first 16 bytes of its HMAC-SHA256 appended. */
export function signFrame(body: Uint8Array, key: Uint8Array): Uint8Array {
  return withTag(body, hmacSha256(key, body).subarray(0, LINK_TAG_BYTES));
}

export class Programmer {
  private counter = 0;
  private readonly lastByType = new Map<string, Uint8Array>();
  private last: Uint8Array | null = null;

  constructor(readonly unit: PairedUnit) {}

  /** The counter of the last frame signed (0: none yet). */
  get lastCounter(): number {
    return this.counter;
  }

  /** A signed frame carrying `payload` (any JSON value: the pump validates it) with the next counter. */
  frame(payload: unknown): Uint8Array {
    this.counter++;
    const bytes = this.build(payload, this.unit.key, this.unit.deviceId, this.counter);
    const type = typeof payload === 'object' && payload !== null && typeof (payload as { type?: unknown }).type === 'string' ? (payload as { type: string }).type : '';
    this.lastByType.set(type, bytes);
    this.last = bytes;
    return bytes;
  }

  send(pump: FrameReceiver, command: PumpCommand): CommandAnswer {
    return pump.receiveFrame(this.frame(command));
  }

  /** The last frame sent carrying a command of `type` (any type when omitted); null if none. */
  sentFrame(type?: string): Uint8Array | null {
    return type === undefined ? this.last : (this.lastByType.get(type) ?? null);
  }

  /** A frame as an attacker without the key would build it: the next counter, signed with `key`. */
  forged(payload: unknown, key: Uint8Array): Uint8Array {
    return this.build(payload, key, this.unit.deviceId, this.counter + 1);
  }

  /** A genuine frame with one byte (`index` modulo its length, never the tag) changed by `xor` (non-zero). */
  tampered(payload: unknown, index: number, xor: number): Uint8Array {
    this.counter++;
    const bytes = this.build(payload, this.unit.key, this.unit.deviceId, this.counter);
    const body = bytes.length - LINK_TAG_BYTES;
    const at = ((index % body) + body) % body;
    bytes[at] = (bytes[at] as number) ^ (xor & 0xff || 1);
    return bytes;
  }

  /** Correctly signed with this unit's key, addressed to `deviceId`, with the next counter. */
  forDevice(payload: unknown, deviceId: string): Uint8Array {
    return this.build(payload, this.unit.key, deviceId, this.counter + 1);
  }

  /** Correctly signed and addressed, with `counter` (a rolled-back or reordered one). */
  withCounter(payload: unknown, counter: number): Uint8Array {
    return this.build(payload, this.unit.key, this.unit.deviceId, counter);
  }

  private build(payload: unknown, key: Uint8Array, deviceId: string, counter: number): Uint8Array {
    const body = encodeLinkFrameBody({ keyId: this.unit.keyId, counter, deviceId, payload: JSON.stringify(payload) ?? 'null' });
    return signFrame(body, key);
  }
}

/** Key id every simulated unit is provisioned with. */
export const SIMULATED_KEY_ID = 1;

/** The unit a seed manufactures: its serial as device id, its link key from the seed's stream. */
export function pairedUnit(deviceSeed: number, deviceId: string): PairedUnit {
  return { deviceId, keyId: SIMULATED_KEY_ID, key: manufactureLinkKey(deviceSeed) };
}
