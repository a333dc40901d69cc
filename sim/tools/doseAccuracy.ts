/**
 * `npx tsx sim/tools/doseAccuracy.ts`: delivered FUDR against the programme over 14-day cycles at
 * a mean arterial pressure of 70, 90 and 105 mmHg and the ends of each profile's temperature
 * range, with the firmware's stroke credit and without it — the figures of docs/devices.md
 * ("Dose accuracy against back-pressure").
 *
 * Owns: the grid (profiles port-ambulatory 20/32/40 °C and implanted 35/37/39 °C; the ends are
 * the worn pump from a cool room to the OVER_TEMPERATURE threshold, and a fever) and its table.
 * Promises: deterministic (seed 7 unless --seed); each row is one `measureDoseAccuracy` case
 * (sim/bench/doseAccuracy.ts), the unit-to-unit stroke error set to 0 so the figure is the
 * back-pressure's and the temperature's share; a run with an alarm is marked.
 *
 * Options: --days <d> (default 14), --seed <n> (default 7), --activity <bedRest|ambulatory> (the
 * patient world at that activity, whose posture and motion move the pressure reading but not the
 * plant's line pressure; default: the kind world).
 */
import type { DoseAccuracyCase } from '../bench/doseAccuracy.ts';
import { measureDoseAccuracy } from '../bench/doseAccuracy.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? (process.argv[i + 1] as string) : fallback;
}

const days = Number(option('--days', '14'));
const seed = Number(option('--seed', '7'));
const activityOption = option('--activity', '');
if (!(days > 0 && days <= 14) || !Number.isInteger(seed) || seed < 0 || !['', 'bedRest', 'ambulatory'].includes(activityOption)) {
  console.error('usage: doseAccuracy.ts [--days <0 < d ≤ 14>] [--seed <n ≥ 0>] [--activity bedRest|ambulatory]');
  process.exit(2);
}
const patientActivity = activityOption === '' ? undefined : (activityOption as 'bedRest' | 'ambulatory');

const GRID: readonly { profile: DoseAccuracyCase['profile']; temperaturesC: readonly number[] }[] = [
  { profile: 'port-ambulatory', temperaturesC: [20, 32, 40] },
  { profile: 'implanted', temperaturesC: [35, 37, 39] },
];
const MAPS_MMHG = [70, 90, 105];

const pct = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(2)}`;
console.log(`Delivered FUDR against the programme, ${days}-day cycles, seed ${seed}, ${patientActivity === undefined ? 'kind world' : `patient world (${patientActivity})`} (unit-to-unit stroke error 0), %: uncompensated / compensated`);
console.log('');
for (const g of GRID) {
  console.log(`${g.profile}`);
  console.log('');
  console.log(`| MAP, mmHg | ${g.temperaturesC.map((t) => `${t} °C`).join(' | ')} |`);
  console.log(`| --- | ${g.temperaturesC.map(() => '---').join(' | ')} |`);
  for (const mapMmHg of MAPS_MMHG) {
    const cells = g.temperaturesC.map((celsius) => {
      const run = (compensated: boolean): string => {
        const r = measureDoseAccuracy({ profile: g.profile, meanArterialPressureMmHg: mapMmHg, celsius, compensated, infusionDays: days, seed, ...(patientActivity === undefined ? {} : { patientActivity }) });
        return `${pct(r.fudrErrorPercent)}${r.alarms.length > 0 ? ` (${r.alarms.join(' ')})` : ''}`;
      };
      return `${run(false)} / ${run(true)}`;
    });
    console.log(`| ${mapMmHg} | ${cells.join(' | ')} |`);
  }
  console.log('');
}
