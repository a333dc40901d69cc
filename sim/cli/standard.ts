/**
 * `pumpsim standard`: the virtual bench of IEC 60601-2-24 / ISO 14708-4 for the built-in profiles
 * or one device file, printed as the disclosure an instructions-for-use carries.
 *
 * Owns: the command's options (`--profile`, `--device`, `--json`, `--balance-csv`, `--report`,
 * `--seed`, `--occlusion-seeds` and the balance's parameters) and where the results go; the
 * bench is sim/bench/standard.ts, the text sim/report/standard.ts.
 * Promises: every option is checked, and every output place proved writable, before any run
 * (exit 2, one line naming the option and the allowed range); stdout holds the disclosure only
 * (with `--json`, exactly one JSON object); `--balance-csv DIR` writes one file per profile, rate
 * and method, `<profile>-<rate>-<method>.csv`, holding exactly the readings the figures come from.
 */
import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { DeviceProfile } from '../world/profile.ts';
import { profileFromParameters } from '../world/profile.ts';
import { BUILT_IN_DEVICES, BUILT_IN_PROFILE_NAMES, loadDeviceFile } from '../scenario/device.ts';
import type { BalanceParameters } from '../bench/balance.ts';
import { BALANCE_RANGES, DEFAULT_BALANCE } from '../bench/balance.ts';
import type { BenchResult } from '../bench/standard.ts';
import { DEFAULT_BENCH_OPTIONS, runBench } from '../bench/standard.ts';
import { balanceCsv, balanceCsvName, benchJson, disclosureMarkdown } from '../report/standard.ts';
import { standardReportHtml } from '../report/html/standardReport.ts';
import { InputError } from './exitCodes.ts';
import { intOption, numberOption } from './options.ts';
import { packageVersion } from './version.ts';

interface StandardFlags {
  readonly profile?: string;
  readonly device?: string;
  readonly json?: boolean;
  readonly balanceCsv?: string;
  readonly report?: string;
  readonly seed: number;
  readonly occlusionSeeds: number;
  readonly balanceResolutionMg: number;
  readonly evaporationMgPerHour: number;
  readonly densityGPerMl: number;
}

function profileOption(value: string): string {
  if (!(BUILT_IN_PROFILE_NAMES as readonly string[]).includes(value)) throw new InvalidArgumentError(`--profile must be one of: ${BUILT_IN_PROFILE_NAMES.join(', ')}`);
  return value;
}

function checkWritableDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new InputError(`--balance-csv ${dir}: cannot write files in the directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The command as the user typed it, for the report's "Reproduce". */
function commandLine(flags: StandardFlags): string {
  const parts = ['npm run -s pumpsim -- standard'];
  if (flags.profile !== undefined) parts.push(`--profile ${flags.profile}`);
  if (flags.device !== undefined) parts.push(`--device ${flags.device}`);
  if (flags.seed !== DEFAULT_BENCH_OPTIONS.seed) parts.push(`--seed ${flags.seed}`);
  if (flags.occlusionSeeds !== DEFAULT_BENCH_OPTIONS.occlusionSeeds) parts.push(`--occlusion-seeds ${flags.occlusionSeeds}`);
  if (flags.balanceResolutionMg !== DEFAULT_BALANCE.resolutionMg) parts.push(`--balance-resolution-mg ${flags.balanceResolutionMg}`);
  if (flags.evaporationMgPerHour !== DEFAULT_BALANCE.evaporationMgPerHour) parts.push(`--evaporation-mg-per-hour ${flags.evaporationMgPerHour}`);
  if (flags.densityGPerMl !== DEFAULT_BALANCE.densityGPerMl) parts.push(`--density-g-per-ml ${flags.densityGPerMl}`);
  return parts.join(' ');
}

export function standardCommand(out: NodeJS.WritableStream = process.stdout): Command {
  const r = BALANCE_RANGES;
  return new Command('standard')
    .description('The virtual bench: flow accuracy (start-up and trumpet curves, stroke and ambulatory methods) at the minimum, intermediate and maximum rates, occlusion time to alarm and bolus, back-pressure and temperature, for every built-in profile or one device (docs/standards.md).')
    .option('--profile <name>', `one built-in profile (${BUILT_IN_PROFILE_NAMES.join(', ')}; default: all)`, profileOption)
    .option('--device <file>', 'a device file (docs/devices.md) instead of the built-in profiles')
    .option('--json', 'print one JSON object')
    .option('--balance-csv <dir>', 'write the balance readings, one file per profile, rate and method: <profile>-<rate>-<method>.csv (timeS,volumeUl)')
    .option('--report <file.html>', 'also write an HTML report: the trumpet and start-up curves and the tables (docs/reports.md)')
    .option('--seed <n>', 'seed of the accuracy runs, and the first of the occlusion seeds', intOption('--seed', 0, 4294967295), DEFAULT_BENCH_OPTIONS.seed)
    .option('--occlusion-seeds <n>', 'seeds of the occlusion procedure per rate', intOption('--occlusion-seeds', 1, 50), DEFAULT_BENCH_OPTIONS.occlusionSeeds)
    .option('--balance-resolution-mg <x>', `the balance's resolution (${r.resolutionMg.min}–${r.resolutionMg.max} mg)`, numberOption('--balance-resolution-mg', r.resolutionMg.min, r.resolutionMg.max, 'mg'), DEFAULT_BALANCE.resolutionMg)
    .option('--evaporation-mg-per-hour <x>', `evaporation from the collecting vessel (${r.evaporationMgPerHour.min}–${r.evaporationMgPerHour.max} mg/h)`, numberOption('--evaporation-mg-per-hour', r.evaporationMgPerHour.min, r.evaporationMgPerHour.max, 'mg/h'), DEFAULT_BALANCE.evaporationMgPerHour)
    .option('--density-g-per-ml <x>', `density of the test fluid (${r.densityGPerMl.min}–${r.densityGPerMl.max} g/mL)`, numberOption('--density-g-per-ml', r.densityGPerMl.min, r.densityGPerMl.max, 'g/mL'), DEFAULT_BALANCE.densityGPerMl)
    .exitOverride()
    .action((flags: StandardFlags) => {
      if (flags.profile !== undefined && flags.device !== undefined) throw new InputError('--profile and --device: give one of them, not both');
      if (flags.seed + flags.occlusionSeeds - 1 > 4294967295) throw new InputError(`--seed + --occlusion-seeds − 1 must be at most 4294967295 (got ${flags.seed} and ${flags.occlusionSeeds})`);
      const profiles: DeviceProfile[] =
        flags.device !== undefined
          ? [profileFromParameters(loadDeviceFile(flags.device))]
          : (flags.profile !== undefined ? [flags.profile] : [...BUILT_IN_PROFILE_NAMES]).map((n) => profileFromParameters(BUILT_IN_DEVICES[n] as (typeof BUILT_IN_DEVICES)[string]));
      if (flags.report !== undefined) {
        if (!/\.html?$/i.test(flags.report)) throw new InputError(`--report: the file name must end in .html, got "${flags.report}"`);
        try {
          writeFileSync(flags.report, '');
        } catch (e) {
          throw new InputError(`--report ${flags.report}: cannot write the file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
        }
      }
      if (flags.balanceCsv !== undefined) checkWritableDir(flags.balanceCsv);
      const balance: BalanceParameters = { resolutionMg: flags.balanceResolutionMg, evaporationMgPerHour: flags.evaporationMgPerHour, densityGPerMl: flags.densityGPerMl };
      const results = profiles.map((profile) => runBench(profile, { seed: flags.seed, occlusionSeeds: flags.occlusionSeeds, balance }));
      const result: BenchResult = {
        accuracy: results.flatMap((x) => x.accuracy),
        occlusion: results.flatMap((x) => x.occlusion),
        backPressure: results.flatMap((x) => x.backPressure),
        temperature: results.flatMap((x) => x.temperature),
      };
      if (flags.balanceCsv !== undefined) {
        const dir = flags.balanceCsv;
        for (const entry of result.accuracy) writeFileSync(path.join(dir, balanceCsvName(entry)), balanceCsv(entry));
      }
      const command = commandLine(flags);
      const meta = { version: packageVersion(), seed: flags.seed, occlusionSeeds: flags.occlusionSeeds, balance, command };
      out.write(flags.json === true ? `${JSON.stringify(benchJson(result, meta))}\n` : `${disclosureMarkdown(result, '##')}\n\nReproduce: ${command}\n`);
      if (flags.report !== undefined) writeFileSync(flags.report, standardReportHtml(result, packageVersion(), command));
    });
}
