/**
 * The stored programme back to a plan, as trusted as a new one.
 *
 * Owns: turning the plan record's decoded fields into a plan at boot.
 * Promises: the stored prescription passes the same checks as a `program` command — its shape and
 * ranges (`validatePrescription`), then the drug library's hard limits, and its soft limits only
 * if they were confirmed — or boot is refused with the reason. Nothing stored is cast into a plan.
 */
import type { DeviceConfig } from '../../hal/index.ts';
import { validatePrescription } from '../commands.ts';
import type { InfusionPlan } from '../dosing.ts';
import { planInfusion } from '../dosing.ts';
import type { DrugLibrary } from '../drugLibrary.ts';
import type { Programme } from '../machine.ts';

export function planFromStore(
  stored: { readonly prescription: unknown; readonly confirmSoftLimits: boolean },
  config: DeviceConfig,
  library: DrugLibrary,
): { readonly ok: true; readonly plan: InfusionPlan; readonly programme: Programme } | { readonly ok: false; readonly reason: string } {
  const checked = validatePrescription(stored.prescription);
  if (!checked.ok) return { ok: false, reason: `stored programme refused: ${checked.field}: ${checked.reason}` };
  const prescription = checked.prescription;
  const planned = planInfusion(prescription, config, library);
  if (!planned.ok) return { ok: false, reason: `stored programme refused: ${planned.findings.map((f) => f.message).join('; ')}` };
  if (planned.plan.softFindings.length > 0 && !stored.confirmSoftLimits) return { ok: false, reason: 'stored programme refused: its soft limits were never confirmed' };
  return { ok: true, plan: planned.plan, programme: { prescription, confirmSoftLimits: stored.confirmSoftLimits } };
}
