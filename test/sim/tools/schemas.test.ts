/**
 * The JSON Schemas under docs/schemas/ (sim/tools/schemas.ts): generated from the validators,
 * committed, referenced by every example file.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../sim/tools/docBlocks.ts';
import { SCHEMAS_COMMAND, driftedSchemas, schemaFiles } from '../../../sim/tools/schemas.ts';
import type { NumericParameter } from '../../../sim/scenario/device.ts';
import { DEVICE_PARAMETERS, OPTIONAL_DEVICE_PARAMETERS } from '../../../sim/scenario/device.ts';
import { ScenarioError, parseScenario } from '../../../sim/scenario/scenario.ts';
import { shortScenarioInput } from '../../support/simulation.ts';

function jsonFiles(dir: string): string[] {
  return readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsonFiles(path.join(dir, e.name)) : e.name.endsWith('.json') ? [path.join(dir, e.name)] : [],
  );
}

describe('PUMP-SCHEMA the JSON Schemas of scenario and device files', () => {
  it(`PUMP-SCHEMA docs/schemas/ holds exactly what the validators generate (rewrite: ${SCHEMAS_COMMAND})`, () => {
    expect(driftedSchemas(), `run ${SCHEMAS_COMMAND}`).toEqual([]);
  });

  it('PUMP-SCHEMA the drift check finds a changed and a missing schema file', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'pumpsim-schemas-'));
    try {
      cpSync(path.join(REPO_ROOT, 'docs/schemas'), path.join(root, 'docs/schemas'), { recursive: true });
      expect(driftedSchemas(root)).toEqual([]);
      writeFileSync(path.join(root, 'docs/schemas/device.schema.json'), '{}\n');
      rmSync(path.join(root, 'docs/schemas/scenario.schema.json'));
      expect(driftedSchemas(root).sort()).toEqual(['docs/schemas/device.schema.json', 'docs/schemas/scenario.schema.json']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('PUMP-SCHEMA the schemas carry each device parameter’s range, as a file field and as an override', () => {
    const files = schemaFiles();
    const device = JSON.parse(files['docs/schemas/device.schema.json']!) as { properties: Record<string, { minimum?: number; maximum?: number }>; required: string[]; additionalProperties: boolean };
    const scenario = JSON.parse(files['docs/schemas/scenario.schema.json']!) as { properties: { device: { properties: { overrides: { properties: Record<string, { minimum?: number; maximum?: number }> } } } } };
    const overrides = scenario.properties.device.properties.overrides.properties;
    expect(device.additionalProperties).toBe(false);
    for (const [name, spec] of Object.entries(DEVICE_PARAMETERS)) {
      expect([device.properties[name]?.minimum, device.properties[name]?.maximum], name).toEqual([spec.min, spec.max]);
      expect([overrides[name]?.minimum, overrides[name]?.maximum], `overrides.${name}`).toEqual([spec.min, spec.max]);
      expect(device.required.includes(name), name).toBe(!OPTIONAL_DEVICE_PARAMETERS.includes(name as NumericParameter));
    }
  });

  it('PUMP-SCHEMA every example scenario and built-in device file names its schema by a relative path that resolves', () => {
    const examples = [...jsonFiles('sim/scenarios'), ...jsonFiles('sim/world/devices/profiles')];
    expect(examples.length).toBeGreaterThan(30);
    for (const file of examples) {
      const json = JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8')) as { $schema?: string };
      const expected = file.startsWith('sim/scenarios') ? 'docs/schemas/scenario.schema.json' : 'docs/schemas/device.schema.json';
      expect(json.$schema, file).toBeTypeOf('string');
      expect(path.relative(REPO_ROOT, path.resolve(REPO_ROOT, path.dirname(file), json.$schema as string)), file).toBe(expected);
    }
  });

  it('PUMP-SCHEMA a scenario accepts a string $schema and refuses any other', () => {
    expect(parseScenario({ $schema: 'x.json', ...shortScenarioInput() }).name).toBe('short');
    expect(() => parseScenario({ $schema: 7, ...shortScenarioInput() })).toThrow(ScenarioError);
    expect(() => parseScenario({ $schema: 7, ...shortScenarioInput() })).toThrow(/\$schema must be a string/);
  });
});
