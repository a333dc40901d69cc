/**
 * Public surface of the firmware: what would be flashed. Imports only hal/ and libraries.
 */
export * from './dosing.ts';
export * from './drugLibrary.ts';
export * from './alarms.ts';
export * from './detectors.ts';
export * from './ledger.ts';
export * from './controlStep.ts';
export * from './commands.ts';
export * from './machine.ts';
export * from './runtime.ts';
