/**
 * The JSON Schemas of the input files, generated from the zod validators they describe: a scenario
 * (sim/scenario/scenario.ts) and a device file (sim/scenario/device.ts).
 *
 * Owns: docs/schemas/scenario.schema.json and docs/schemas/device.schema.json.
 * Promises: `npx tsx sim/tools/schemas.ts --write` rewrites both from the validators (zod 4's
 * `z.toJSONSchema`, the input side: what a user writes, defaults included); without `--write` it
 * prints them. test/sim/tools/schemas.test.ts fails when a committed file drifts. A JSON Schema
 * states the fields, types and ranges; the cross-field checks (a fault after the end of the run,
 * a rate range with min above max) are the validators' alone.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { scenarioSchema } from '../scenario/scenario.ts';
import { deviceFileSchema } from '../scenario/device.ts';
import { REPO_ROOT } from './docBlocks.ts';

export const SCHEMAS_COMMAND = 'npx tsx sim/tools/schemas.ts --write';

/** Each schema file (relative to the repository root) and its text. */
export function schemaFiles(): Readonly<Record<string, string>> {
  const make = (schema: z.ZodType, title: string, description: string): string =>
    `${JSON.stringify({ title, description, ...z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) }, null, 2)}\n`;
  return {
    'docs/schemas/scenario.schema.json': make(scenarioSchema, 'pumpsim scenario', `One run or course of pumpsim (docs/scenarios.md). Generated from sim/scenario/scenario.ts by ${SCHEMAS_COMMAND}.`),
    'docs/schemas/device.schema.json': make(deviceFileSchema, 'pumpsim device file', `One device: every plant, drive and sensor parameter (docs/devices.md). Generated from sim/scenario/device.ts by ${SCHEMAS_COMMAND}.`),
  };
}

/** The schema files whose committed text differs from the generated one. */
export function driftedSchemas(root: string = REPO_ROOT): string[] {
  return Object.entries(schemaFiles())
    .filter(([file, text]) => {
      try {
        return readFileSync(path.join(root, file), 'utf8') !== text;
      } catch {
        return true;
      }
    })
    .map(([file]) => file);
}

function main(argv: readonly string[]): number {
  const files = schemaFiles();
  if (!argv.includes('--write')) {
    for (const text of Object.values(files)) process.stdout.write(text);
    return 0;
  }
  for (const file of driftedSchemas()) {
    writeFileSync(path.join(REPO_ROOT, file), files[file] as string);
    process.stdout.write(`wrote ${file}\n`);
  }
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (invokedDirectly) process.exitCode = main(process.argv.slice(2));
