/**
 * Public surface of the firmware: what would be flashed, and what the simulator and the
 * verification drive it through. Imports only hal/ and xstate. Internals (the control step, the
 * detector families, the alarm table's masks) are imported from their own modules by their tests.
 */

// The firmware runtime: boot, the control task, commands, and what an observer sees.
export { Firmware, SCRUB_PERIOD_MS, SELF_TEST_DURATION_MS, SENSOR_READ_PERIODS_MS } from './runtime.ts';
export type { FirmwareObserver, FirmwareOptions, StatechartClock } from './runtime.ts';

// Commands in, answers out: the only way into a running firmware.
export type { CommandAnswer, PumpCommand, PumpCommandType } from './commands.ts';
export { PUMP_COMMAND_TYPES } from './commands.ts';

// The command link: the frame layout a programmer builds, and the guard's lock.
export { LINK_DEVICE_ID_MAX_BYTES, LINK_FRAME_MAX_BYTES, LINK_PAYLOAD_MAX_BYTES, LINK_TAG_BYTES, encodeLinkFrameBody, parseLinkFrame, withTag } from './link/frame.ts';
export type { LinkFrameFields, LinkParse, ParsedLinkFrame } from './link/frame.ts';
export { LINK_LOCK, LINK_REFUSALS } from './link/link.ts';
export type { LinkRefusal } from './link/link.ts';

// The statechart: modes, their events and timing, and the restart lockout.
export { pumpMachine, PAUSE_REMINDER_MS, PRIMED_REMINDER_MS, REMINDER_CODES, SELF_TEST_TIMEOUT_MS, RESTART_LOCKOUT_COUNT, RESTART_LOCKOUT_WINDOW_MS, MAX_STOPS_PER_CAUSE_PER_PROGRAMME } from './machine.ts';
export type { PumpEmitted, PumpEvent, PumpInput, PumpMachine, ResumePoint, TherapyPoint } from './machine.ts';

// Prescription to plan: dose arithmetic and the drug library's limits.
export { planInfusion, bsaMostellerM2, scheduledStrokes, MS_PER_DAY, MS_PER_HOUR } from './dosing.ts';
export type { InfusionPlan, LimitFinding, LimitKind, PatientInput, PlanResult, PrescriptionInput } from './dosing.ts';
export { HAI_FUDR_LIBRARY, EXCLUSIVE_ZERO } from './drugLibrary.ts';
export type { DrugLibrary, LimitBand } from './drugLibrary.ts';

// The drug library as a stored image: its format and check.
export { LIBRARY_HEADER_BYTES, REFUSE_ALL_LIBRARY, decodeLibraryImage, encodeLibraryImage, libraryImageIntact } from './libraryImage.ts';
export type { LibraryImageCheck } from './libraryImage.ts';

// Alarms: the table, its priorities and drive actions, and the audio pause.
export { ALARM_CODES, ALARM_TABLE, ALARM_RULE_BY_CODE, AUDIO_PAUSE_MS, cancelAudioPause } from './alarms.ts';
export type { AlarmCode, AlarmEntry, AlarmRule, AlarmState, DriveAction } from './alarms.ts';

// Detection thresholds, which the verification's model judges against.
export { THRESHOLDS, pressureThresholds } from './detectors/thresholds.ts';
export type { PressureFrontEnd, PressureThresholds } from './detectors/thresholds.ts';
export { detectorConfig } from './readings.ts';

// Calendar time as the log writes it.
export { civilFromDays, isoFromEpochMs } from './calendar.ts';

// The times a clinician reads: reservoir and battery time remaining.
export { BATTERY_STEPS_KEPT, NO_BATTERY_TREND, batteryRemainingMinutes, reservoirRemainingMinutes, updateBatteryTrend } from './remaining.ts';
export type { BatteryStep, BatteryTrend } from './remaining.ts';

// The delivery ledger.
export { EMPTY_LEDGER, ledgerFigures } from './ledger.ts';
export { COMPENSATED_BACK_PRESSURE_MMHG, COMPENSATED_TEMPERATURE_C, creditedStrokeVolumeNl } from './strokeCredit.ts';
export type { Ledger, LedgerFigures, PhaseKind } from './ledger.ts';

// The NV store: its layout, provisioning at manufacture, and the event log read back from it.
export { NV_LAYOUT, NV_SLOT_BYTES, NV_SLOT_COUNT, recordKindOfSlot } from './storage/layout.ts';
export type { SlotRegion } from './storage/layout.ts';
export { provisionStore, rekeyLink } from './storage/store.ts';
export { decodeFrame } from './storage/frame.ts';
export type { RecordKind } from './storage/frame.ts';
export { decodeLogEntry, newestLogSeq, readEventLog } from './storage/eventLog.ts';
export type { EventLogReadBack, LogEntry, LogKind } from './storage/eventLog.ts';
