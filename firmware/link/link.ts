/**
 * The command link's guard: which frames reach the command interface.
 *
 * Owns: admitting a frame — parse, lock, tag, device, key id, counter, in that order — the refusal
 * window that locks the link, and the lock's end.
 * Promises:
 * - A frame is admitted only when it parses (frame.ts), the link is not locked, the secure element
 *   verifies its tag under its key id, it is addressed to this device, its key id is not older
 *   than the one in use, and its counter is above the last accepted one. Nothing of a refused
 *   frame is kept, except the time of the refusal.
 * - The guard decides; it does not persist. The runtime writes the new counter to flash
 *   (`PumpStore.writeLink`) and only then calls `accepted` and acts (runtime.ts).
 * - `LINK_LOCK.refusals` refusals within `LINK_LOCK.windowMs` lock the link for `LINK_LOCK.lockMs`:
 *   every frame is refused, even a valid one, and SECURITY_ALERT is raised. Refusals while locked
 *   do not extend the lock. The lock is held in RAM: a power cycle ends it (docs/link.md).
 * - Without a link record (damaged store) or a device identity the guard refuses every frame.
 */
import type { SecureElement } from '../../hal/index.ts';
import type { StoredLink } from '../storage/records.ts';
import type { ParsedLinkFrame } from './frame.ts';
import { parseLinkFrame } from './frame.ts';

export const LINK_LOCK = Object.freeze({ refusals: 5, windowMs: 10 * 60_000, lockMs: 15 * 60_000 });

/** Why a frame was refused; the first three are the parser's. */
export type LinkRefusal = 'malformed' | 'truncated' | 'oversized' | 'locked' | 'noLink' | 'badTag' | 'wrongDevice' | 'retiredKey' | 'staleCounter';

export const LINK_REFUSALS: readonly LinkRefusal[] = Object.freeze(['malformed', 'truncated', 'oversized', 'locked', 'noLink', 'badTag', 'wrongDevice', 'retiredKey', 'staleCounter'] as const);

export type Admission = { readonly ok: true; readonly frame: ParsedLinkFrame } | { readonly ok: false; readonly refusal: LinkRefusal; readonly reason: string };

export class LinkGuard {
  /** Times of the latest counted refusals, oldest first (at most `LINK_LOCK.refusals`). */
  private readonly refusedAtMs: number[] = [];
  private lockedUntilMs = -1;

  constructor(
    private readonly element: SecureElement,
    private readonly deviceId: string | null,
    private link: StoredLink | null,
  ) {}

  get locked(): boolean {
    return this.lockedUntilMs >= 0;
  }

  /** The state the guard would write for an admitted frame. */
  linkAfter(frame: ParsedLinkFrame): StoredLink {
    return { keyId: frame.keyId, lastCounter: frame.counter };
  }

  admit(input: unknown, nowMs: number): Admission {
    if (this.lockedUntilMs >= 0) {
      return { ok: false, refusal: 'locked', reason: `the link is locked after repeated refused frames until ${Math.round(this.lockedUntilMs / 1000)} s` };
    }
    const parsed = parseLinkFrame(input);
    if (!parsed.ok) return this.refuse(parsed.kind, parsed.reason, nowMs);
    const f = parsed.frame;
    if (this.link === null || this.deviceId === null) return this.refuse('noLink', 'the link record or the device identity is damaged: every frame is refused until the device is re-keyed', nowMs);
    if (!this.element.verifyTag(f.keyId, f.signed, f.tag)) return this.refuse('badTag', `the tag does not verify under key ${f.keyId} (forged or altered)`, nowMs);
    if (f.deviceId !== this.deviceId) return this.refuse('wrongDevice', `the frame is addressed to another device (${JSON.stringify(f.deviceId.slice(0, 32))})`, nowMs);
    if (f.keyId < this.link.keyId) return this.refuse('retiredKey', `key ${f.keyId} is retired (key ${this.link.keyId} is in use)`, nowMs);
    if (f.counter <= this.link.lastCounter) return this.refuse('staleCounter', `counter ${f.counter} is not above the last accepted ${this.link.lastCounter} (replayed or reordered)`, nowMs);
    return parsed;
  }

  /** The frame's counter is in flash: it is the last accepted from now on. */
  accepted(frame: ParsedLinkFrame): void {
    this.link = this.linkAfter(frame);
  }

  /** Ends the lock once its time is up; true when it ended now. */
  expireLock(nowMs: number): boolean {
    if (this.lockedUntilMs < 0 || nowMs < this.lockedUntilMs) return false;
    this.lockedUntilMs = -1;
    return true;
  }

  private refuse(refusal: LinkRefusal, reason: string, nowMs: number): Admission {
    const times = this.refusedAtMs;
    times.push(nowMs);
    if (times.length > LINK_LOCK.refusals) times.shift();
    if (times.length === LINK_LOCK.refusals && nowMs - (times[0] as number) <= LINK_LOCK.windowMs) {
      this.lockedUntilMs = nowMs + LINK_LOCK.lockMs;
      times.length = 0;
    }
    return { ok: false, refusal, reason };
  }
}
