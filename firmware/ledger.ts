/**
 * The dose ledger: the firmware's belief of what it has delivered, and the delivery phase under way.
 *
 * Owns: stroke counts per phase and the schedule position.
 * Units: a count is of strokes of the nominal volume (`strokeVolumeNl`). A confirmed stroke is
 * credited with the volume it moves (firmware/strokeCredit.ts); with a credit other than nominal,
 * whole nominal strokes of credit are counted and the rest carries to the next stroke
 * (`creditCarryNl`, integer nanolitres), so every count times the nominal volume is the credited
 * volume to within one stroke, and every reader of the ledger (figures, reservoir, remaining time,
 * the NV record) reads volume the same way.
 * Promises: counts change only by encoder-confirmed strokes (never by commands): they grow with
 * every stroke and fall only by a pressure relief's confirmed retraction (`relieveStrokes`). The
 * NV store keeps it in the state record after every stroke (storage/records.ts), so a reboot
 * resumes the phase where the last write left it: at most one stroke repeated or lost.
 * Deadlines are kept as elapsed phase time, never as timers (XState delays restart after a
 * restore, docs/domain.md §6).
 */
import type { InfusionPlan } from './dosing.ts';
import { NL_PER_UL } from './dosing.ts';

export type PhaseKind = 'none' | 'prime' | 'infuse' | 'flush';

export interface Ledger {
  readonly primeStrokes: number;
  readonly infusionStrokes: number;
  readonly flushStrokes: number;
  readonly phaseKind: PhaseKind;
  readonly phaseTotalStrokes: number;
  readonly phaseDurationMs: number;
  readonly phaseElapsedMs: number;
  readonly phaseDeliveredStrokes: number;
  /** Declared reservoir fill at the last refill, µL. */
  readonly reservoirFillUl: number;
  /** Credit of the phase under way short of a whole nominal stroke, nL (0 ≤ it < strokeVolumeNl). */
  readonly creditCarryNl: number;
}

export const EMPTY_LEDGER: Ledger = {
  primeStrokes: 0,
  infusionStrokes: 0,
  flushStrokes: 0,
  phaseKind: 'none',
  phaseTotalStrokes: 0,
  phaseDurationMs: 0,
  phaseElapsedMs: 0,
  phaseDeliveredStrokes: 0,
  reservoirFillUl: 0,
  creditCarryNl: 0,
};

/** Builds a ledger field by field, so every ledger is made by this one literal (docs/performance.md). */
export function makeLedger(l: Ledger): Ledger {
  return {
    primeStrokes: l.primeStrokes,
    infusionStrokes: l.infusionStrokes,
    flushStrokes: l.flushStrokes,
    phaseKind: l.phaseKind,
    phaseTotalStrokes: l.phaseTotalStrokes,
    phaseDurationMs: l.phaseDurationMs,
    phaseElapsedMs: l.phaseElapsedMs,
    phaseDeliveredStrokes: l.phaseDeliveredStrokes,
    reservoirFillUl: l.reservoirFillUl,
    creditCarryNl: l.creditCarryNl,
  };
}

/** The ledger after `elapsedMs` more of the phase under way. */
export function withPhaseElapsed(l: Ledger, phaseElapsedMs: number): Ledger {
  return {
    primeStrokes: l.primeStrokes,
    infusionStrokes: l.infusionStrokes,
    flushStrokes: l.flushStrokes,
    phaseKind: l.phaseKind,
    phaseTotalStrokes: l.phaseTotalStrokes,
    phaseDurationMs: l.phaseDurationMs,
    phaseElapsedMs,
    phaseDeliveredStrokes: l.phaseDeliveredStrokes,
    reservoirFillUl: l.reservoirFillUl,
    creditCarryNl: l.creditCarryNl,
  };
}

/** Starts (or restarts) a phase from the plan; a phase already begun keeps its position. */
export function beginPhase(ledger: Ledger, kind: Exclude<PhaseKind, 'none'>, plan: InfusionPlan): Ledger {
  if (ledger.phaseKind === kind) return ledger;
  const totals: Record<typeof kind, [number, number]> = {
    prime: [plan.primingStrokes, plan.primingDurationMs],
    infuse: [plan.infusionStrokes, plan.durationMs],
    flush: [plan.flushStrokes, plan.flushDurationMs],
  };
  const [phaseTotalStrokes, phaseDurationMs] = totals[kind];
  return makeLedger({ ...ledger, phaseKind: kind, phaseTotalStrokes, phaseDurationMs, phaseElapsedMs: 0, phaseDeliveredStrokes: 0, creditCarryNl: 0 });
}

export function endPhase(ledger: Ledger): Ledger {
  return ledger.phaseKind === 'none' ? ledger : makeLedger({ ...ledger, phaseKind: 'none', phaseTotalStrokes: 0, phaseDurationMs: 0, phaseElapsedMs: 0, phaseDeliveredStrokes: 0, creditCarryNl: 0 });
}

export function phaseComplete(ledger: Ledger): boolean {
  return ledger.phaseKind !== 'none' && ledger.phaseDeliveredStrokes >= ledger.phaseTotalStrokes;
}

/**
 * Adds encoder-confirmed strokes to the phase under way, each credited with `creditNl` of
 * nominal `strokeVolumeNl` (left out: nominal, one count a stroke). With another credit, whole
 * nominal strokes of credit are counted, the rest carries, and no more than the phase still owes
 * is counted (the excess, less than one stroke's credit, is the phase's last stroke overshooting).
 */
export function addStrokes(ledger: Ledger, strokes: number, creditNl = 0, strokeVolumeNl = 0): Ledger {
  if (strokes === 0) return ledger;
  let counted = strokes;
  let creditCarryNl = ledger.creditCarryNl;
  if (strokeVolumeNl > 0 && (creditNl !== strokeVolumeNl || creditCarryNl !== 0)) {
    const creditedNl = creditCarryNl + strokes * creditNl;
    counted = Math.floor(creditedNl / strokeVolumeNl);
    creditCarryNl = creditedNl - counted * strokeVolumeNl;
    if (ledger.phaseKind !== 'none' && counted > ledger.phaseTotalStrokes - ledger.phaseDeliveredStrokes) {
      counted = Math.max(0, ledger.phaseTotalStrokes - ledger.phaseDeliveredStrokes);
      creditCarryNl = 0;
    }
  }
  return makeLedger({
    ...ledger,
    phaseDeliveredStrokes: ledger.phaseDeliveredStrokes + counted,
    primeStrokes: ledger.primeStrokes + (ledger.phaseKind === 'prime' ? counted : 0),
    infusionStrokes: ledger.infusionStrokes + (ledger.phaseKind === 'infuse' ? counted : 0),
    flushStrokes: ledger.flushStrokes + (ledger.phaseKind === 'flush' ? counted : 0),
    creditCarryNl,
  });
}

/**
 * Takes back `strokes` a pressure relief ran the drive back by (GIP 1.10.6): their volume returned
 * to the pump and never reached the patient. The schedule position goes back to where the schedule
 * had delivered what is left, so the phase owes them again at its programmed rate (the infusion
 * is extended, never caught up). At most the phase's delivered strokes.
 */
export function relieveStrokes(ledger: Ledger, strokes: number): Ledger {
  const taken = Math.min(strokes, ledger.phaseDeliveredStrokes);
  if (taken <= 0) return ledger;
  const delivered = ledger.phaseDeliveredStrokes - taken;
  const atDelivered = ledger.phaseTotalStrokes > 0 ? Math.floor((delivered * ledger.phaseDurationMs) / ledger.phaseTotalStrokes) : 0;
  return withPhaseElapsed(addStrokes(ledger, -taken), Math.min(ledger.phaseElapsedMs, atDelivered));
}

/** Reservoir refilled: a new course of strokes starts from this fill. */
export function refillLedger(fillMl: number): Ledger {
  return makeLedger({ ...EMPTY_LEDGER, reservoirFillUl: fillMl * 1000 });
}

export interface LedgerFigures {
  readonly strokes: number;
  readonly primedVolumeMl: number;
  readonly infusedVolumeMl: number;
  readonly flushedVolumeMl: number;
  /** Infusion plus flush: what the drive pushed towards the patient. */
  readonly deliveredVolumeMl: number;
  readonly fudrMg: number;
  readonly dexamethasoneMg: number;
  readonly heparinUnits: number;
  readonly reservoirRemainingMl: number;
}

/**
 * The belief in clinical units. Drug masses follow the programmed concentrations: the infused
 * volume, plus the primed set's contents once the flush has pushed them out (the flush's first
 * `primedSetVolumeUl` is drug mixture, the rest heparin lock).
 */
export function ledgerFigures(ledger: Ledger, plan: InfusionPlan | null, strokeVolumeNl: number, primedSetVolumeUl = 0): LedgerFigures {
  const ml = (strokes: number): number => (strokes * strokeVolumeNl) / NL_PER_UL / 1000;
  const infusedVolumeMl = ml(ledger.infusionStrokes);
  const flushedVolumeMl = ml(ledger.flushStrokes);
  const setDrugMl = Math.min(flushedVolumeMl, primedSetVolumeUl / 1000);
  const drugMl = infusedVolumeMl + setDrugMl;
  return {
    strokes: ledger.primeStrokes + ledger.infusionStrokes + ledger.flushStrokes,
    primedVolumeMl: ml(ledger.primeStrokes),
    infusedVolumeMl,
    flushedVolumeMl,
    deliveredVolumeMl: infusedVolumeMl + flushedVolumeMl,
    fudrMg: plan ? drugMl * plan.fudrMgPerMl : 0,
    dexamethasoneMg: plan ? drugMl * plan.dexamethasoneMgPerMl : 0,
    heparinUnits: plan ? drugMl * plan.heparinUnitsPerMl + (flushedVolumeMl - setDrugMl) * plan.heparinLockUnitsPerMl : 0,
    reservoirRemainingMl: ledger.reservoirFillUl / 1000 - ml(ledger.primeStrokes + ledger.infusionStrokes),
  };
}
