/**
 * The package as another project gets it: `npm pack` (which runs `prepare`, the library build),
 * a fresh project in a temporary folder, `npm install <tarball> --offline` (the bundle has no
 * dependency to fetch), and `simulate` from plain `node`, no loader. The summary it prints is the
 * one the sources give for the same scenario.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulate } from '../../../sim/library/index.ts';
import { shortScenarioInput } from '../../support/simulation.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const NPM_ENV = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-install-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SCENARIO = shortScenarioInput({ name: 'installed', seed: 12, infusionDays: 1 / 24, reservoirVolumeMl: 1.5 });

const USER_SCRIPT = `
import { simulate, PrescriptionRefusedError } from 'pumpsim';
const scenario = ${JSON.stringify(SCENARIO)};
const summary = simulate(scenario);
let refused = null;
try {
  simulate({ ...scenario, prescription: { ...scenario.prescription, fudrMgPerKgPerDay: 0.5 } });
} catch (e) {
  refused = { isTyped: e instanceof PrescriptionRefusedError, field: e.field, max: e.limit.max };
}
process.stdout.write(JSON.stringify({ summary, refused }));
`;

describe('PUMP-API-INSTALL the package installs into a fresh project and runs from plain node', () => {
  it('PUMP-API-INSTALL npm pack, npm install <tarball> --offline, import { simulate } from "pumpsim" with plain node', async () => {
    const packDir = path.join(dir, 'pack');
    mkdirSync(packDir);
    await run('npm', ['pack', '--pack-destination', packDir], { cwd: REPO_ROOT, env: NPM_ENV, maxBuffer: 1 << 24 });
    const tarballs = readdirSync(packDir).filter((f) => f.endsWith('.tgz'));
    expect(tarballs).toEqual([expect.stringMatching(/^pumpsim-\d+\.\d+\.\d+\.tgz$/)]);

    const project = path.join(dir, 'user-project');
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
    await run('npm', ['install', '--offline', path.join(packDir, tarballs[0] as string)], { cwd: project, env: NPM_ENV, maxBuffer: 1 << 24 });
    writeFileSync(path.join(project, 'check.mjs'), USER_SCRIPT);
    const { stdout } = await run(process.execPath, ['check.mjs'], { cwd: project, maxBuffer: 1 << 24 });
    const printed = JSON.parse(stdout) as { summary: Record<string, unknown>; refused: unknown };

    expect({ ...printed.summary, wallMs: 0 }).toEqual({ ...simulate(SCENARIO), wallMs: 0 });
    expect(printed.summary['finalState']).toBe('locked');
    expect(printed.refused).toEqual({ isTyped: true, field: 'prescription.fudrMgPerKgPerDay', max: 0.3 });
  });
});
