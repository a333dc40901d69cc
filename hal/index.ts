/**
 * Hardware abstraction layer: the boundary between firmware and the world.
 *
 * Owns: one small interface per device, their reading types and the shared error vocabulary.
 * Promises: nothing here knows whether the device behind it is simulated or real.
 */
export * from './result.ts';
export * from './clock.ts';
export * from './sensors.ts';
export * from './drive.ts';
export * from './storage.ts';
export * from './annunciator.ts';
export * from './deviceConfig.ts';
export * from './crypto.ts';
export * from './selfCheck.ts';
export * from './watchdog.ts';
export * from './drugLibraryStore.ts';

import type { Clock } from './clock.ts';
import type { AirSensor, TemperatureSensor, FlowSensor, PowerMonitor, PressureSensor, ReservoirGauge } from './sensors.ts';
import type { PumpDrive } from './drive.ts';
import type { NvFlash } from './storage.ts';
import type { Annunciator } from './annunciator.ts';
import type { DeviceConfig } from './deviceConfig.ts';
import type { SecureElement } from './crypto.ts';
import type { MemoryTester, RealTimeClock } from './selfCheck.ts';
import type { Watchdog } from './watchdog.ts';
import type { DrugLibraryStore } from './drugLibraryStore.ts';

/** Everything the firmware runtime is given at boot. */
export interface Hal {
  readonly clock: Clock;
  readonly pressure: PressureSensor;
  readonly flow: FlowSensor;
  readonly reservoir: ReservoirGauge;
  readonly power: PowerMonitor;
  readonly air: AirSensor;
  readonly temperature: TemperatureSensor;
  readonly drive: PumpDrive;
  readonly nv: NvFlash;
  readonly annunciator: Annunciator;
  readonly config: DeviceConfig;
  /** Verifies the command link's authentication tags (firmware/link/). */
  readonly secureElement: SecureElement;
  /** ROM and RAM checks, for the power-on self-test and the periodic self-checks. */
  readonly memory: MemoryTester;
  readonly rtc: RealTimeClock;
  /** Kicked by the control task every period; resets the processor when it is not. */
  readonly watchdog: Watchdog;
  /** The drug library image the pharmacy's tool loaded (firmware/libraryImage.ts checks it). */
  readonly drugLibrary: DrugLibraryStore;
}
