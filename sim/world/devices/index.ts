/**
 * Simulated devices: the HAL implemented over the plant, one file per device.
 *
 * Owns: nothing of its own; it names the device models for the rest of the simulator.
 * Promises: each sensor reads the plant at the virtual clock's time, with counter-based noise, so
 * a reading never depends on pacing; sensor faults act on readings, never on the plant's truth.
 */
export { SimAirSensor } from './airSensor.ts';
export { SimAnnunciator } from './annunciator.ts';
export { SimDrive } from './drive.ts';
export { SimEventLog } from './eventLog.ts';
export { SimFlash } from './flash.ts';
export type { FlashProbe, FlashStats } from './flash.ts';
export { SimFlowSensor } from './flowSensor.ts';
export { SimPowerMonitor } from './powerMonitor.ts';
export { SimPressureSensor } from './pressureSensor.ts';
export type { InvalidReading, InvalidValue, SensorFault, SensorFaultMode } from './readout.ts';
export { INVALID_VALUES } from './readout.ts';
export { SimReservoirGauge } from './reservoirGauge.ts';
export { BODY_WORN_CELSIUS, SimTemperatureSensor } from './temperatureSensor.ts';
export { DEFAULT_START_EPOCH_MS, SimMemoryTester, SimRealTimeClock } from './selfCheck.ts';
export { SimWatchdog, WATCHDOG_TIMEOUT_MS } from './watchdog.ts';
export { SIMULATED_LIBRARY_VERSION, SimDrugLibraryStore } from './drugLibraryStore.ts';
export { LINK_KEY_BYTES, SimSecureElement, hmacSha256, manufactureLinkKey } from './secureElement.ts';
