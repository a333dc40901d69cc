/**
 * The therapy record: where a therapy stands, as the NV store keeps it across a power loss.
 *
 * Owns: the record's key and layout (resume point, therapy point, needle connected, the plan as
 * JSON), and reading it back.
 * Promises: `therapyFromRecord` never throws on a record it does not recognise: an unknown point
 * reads as 'none', and a therapy with no plan resumes nowhere (except a lockout, which holds
 * without one). The ledger has its own record (ledger.ts).
 */
import type { NvRecord } from '../hal/index.ts';
import type { InfusionPlan } from './dosing.ts';
import type { ResumePoint, TherapyPoint } from './machine.ts';
import { THERAPY_POINTS } from './machine.ts';

export const NV_KEY_THERAPY = 'therapy';

const RESUME_POINTS: readonly ResumePoint[] = ['none', 'priming', 'infusing', 'paused', 'flushing', 'alarmStopped', 'infusionComplete', 'stopped', 'locked'];

export interface TherapyRecord {
  readonly resumePoint: ResumePoint;
  readonly therapyPoint: TherapyPoint;
  readonly connected: boolean;
  readonly plan: InfusionPlan | null;
}

/** No therapy to resume: what a blank or unreadable store gives. */
export const NO_THERAPY: TherapyRecord = { resumePoint: 'none', therapyPoint: 'none', connected: false, plan: null };

export function therapyToRecord(t: TherapyRecord): NvRecord {
  return { resumePoint: t.resumePoint, therapyPoint: t.therapyPoint, connected: t.connected, planJson: t.plan === null ? '' : JSON.stringify(t.plan) };
}

export function therapyFromRecord(record: NvRecord | null): TherapyRecord {
  if (record === null) return NO_THERAPY;
  const connected = record['connected'] === true;
  const storedTherapyPoint = record['therapyPoint'];
  const therapyPoint = typeof storedTherapyPoint === 'string' && THERAPY_POINTS.includes(storedTherapyPoint as TherapyPoint) ? (storedTherapyPoint as TherapyPoint) : 'none';
  const point = record['resumePoint'];
  const planJson = record['planJson'];
  const plan = typeof planJson === 'string' && planJson !== '' ? (JSON.parse(planJson) as InfusionPlan) : null;
  const resumePoint = typeof point === 'string' && RESUME_POINTS.includes(point as ResumePoint) ? (point as ResumePoint) : 'none';
  return { resumePoint: plan === null && resumePoint !== 'locked' ? 'none' : resumePoint, therapyPoint, connected, plan };
}
