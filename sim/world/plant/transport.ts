/**
 * Plug-flow transport through the fluid path (docs/domain.md §2).
 *
 * Owns: `Fifo`, one segment of the path (the set: line + Huber needle; the implanted path: port
 * chamber + catheter) as an ordered list of parcels.
 * Promises: fluid leaves in the order it entered (or, drawn back, newest first), and every piece
 * taken is handed to the sink with its composition, so volume and drug are conserved exactly.
 */
import type { Composition, Totals } from './composition.ts';

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

  /**
   * Removes `volumeUl` from the tail (the newest fluid, drawn back towards the pump), handing each
   * piece to `sink`. Returns the volume removed.
   */
  takeFromTail(volumeUl: number, sink: (volumeUl: number, c: Composition) => void): number {
    let left = volumeUl;
    while (left > 1e-12 && this.parcels.length > this.head) {
      const p = this.parcels[this.parcels.length - 1] as Parcel;
      const piece = p.volumeUl <= left ? p.volumeUl : left;
      sink(piece, p.composition);
      p.volumeUl -= piece;
      left -= piece;
      if (p.volumeUl <= 1e-12) this.parcels.pop();
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
