/**
 * The firmware's tables as the docs show them: the alarm table (docs/faults-and-detection.md) and
 * the drug library (docs/scenarios.md) are their generated blocks, byte for byte, so a reviewer
 * reads the limits and alarms the firmware really has.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HAI_FUDR_LIBRARY } from '../../firmware/index.ts';
import { WRITE_COMMAND, alarmTableBlock, blockFile, deviceParametersBlock, drugLibraryBlock } from '../../sim/tools/docBlocks.ts';
import { DEVICE_PARAMETERS } from '../../sim/scenario/device.ts';

describe('the alarm table as declared and as documented', () => {
  it(`PUMP-ALARM-PRIO the README shows the alarm table exactly as the firmware declares it (fix: ${WRITE_COMMAND})`, () => {
    const readme = readFileSync(blockFile('alarm-table'), 'utf8');
    const block = readme.slice(readme.indexOf('<!-- alarm-table:begin -->'), readme.indexOf('<!-- alarm-table:end -->'));
    expect(block.trim()).toBe(`<!-- alarm-table:begin -->\n${alarmTableBlock()}`);
  });
});

describe('the drug library as documented', () => {
  it(`PUMP-LIB-HARD PUMP-LIB-SOFT the README shows the firmware's library, band by band (fix: ${WRITE_COMMAND})`, () => {
    const readme = readFileSync(blockFile('drug-library'), 'utf8');
    const block = readme.slice(readme.indexOf('<!-- drug-library:begin -->'), readme.indexOf('<!-- drug-library:end -->'));
    expect(block.trim()).toBe(`<!-- drug-library:begin -->\n${drugLibraryBlock()}`);
    expect(block).toContain(HAI_FUDR_LIBRARY.name);
  });
});

describe('the device parameters as documented', () => {
  it(`PUMP-DEVICE-DOC docs/devices.md shows every device parameter with its unit, range and each built-in profile's value (fix: ${WRITE_COMMAND})`, () => {
    const doc = readFileSync(blockFile('device-parameters'), 'utf8');
    const block = doc.slice(doc.indexOf('<!-- device-parameters:begin -->'), doc.indexOf('<!-- device-parameters:end -->'));
    expect(block.trim()).toBe(`<!-- device-parameters:begin -->\n${deviceParametersBlock()}`);
    for (const name of Object.keys(DEVICE_PARAMETERS)) expect(block).toContain(`| \`${name}\` |`);
  });
});
