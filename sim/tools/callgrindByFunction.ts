/**
 * `node --import ./sim/tools/loader/register.mjs sim/tools/callgrindByFunction.ts OUT.cg PERF.map [TOP]`:
 * a callgrind profile of node, its instructions summed per JavaScript function.
 *
 * Owns: reading callgrind's per-instruction output (`--dump-instr=yes`, positions `instr line`)
 * and V8's code map (`--perf-basic-prof` writes /tmp/perf-<pid>.map: start, size, name per line).
 * Promises: every instruction cost line (the inclusive cost after a `calls=` line is skipped, so
 * nothing is counted twice) is added to the map entry whose range holds its address; costs outside
 * every entry (the C++ runtime, the garbage collector, the compiler) are reported as unmapped.
 * Prints the total, the unmapped part and the TOP (default 40) functions, in millions.
 * The method and its figures: docs/performance.md.
 *
 * valgrind --tool=callgrind --dump-instr=yes --callgrind-out-file=out.cg node --single-threaded \
 *   --perf-basic-prof --import ./sim/tools/loader/register.mjs sim/tools/profileCycles.ts 2
 */
import { readFileSync } from 'node:fs';

interface CodeRange {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

function readCodeMap(file: string): CodeRange[] {
  const ranges: CodeRange[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (m === null) continue;
    const start = parseInt(m[1] as string, 16);
    ranges.push({ start, end: start + parseInt(m[2] as string, 16), name: (m[3] as string).replace(/^(JS:)?[*~^+]*/, '') });
  }
  return ranges.sort((a, b) => a.start - b.start);
}

/** The range holding `address` (the last one starting at or below it), or null. */
function rangeOf(ranges: readonly CodeRange[], address: number): CodeRange | null {
  let lo = 0;
  let hi = ranges.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((ranges[mid] as CodeRange).start <= address) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  const r = found < 0 ? null : (ranges[found] as CodeRange);
  return r !== null && address < r.end ? r : null;
}

const [cgFile, mapFile, topArg] = process.argv.slice(2);
if (cgFile === undefined || mapFile === undefined) {
  console.error('callgrindByFunction: usage: callgrindByFunction.ts OUT.cg PERF.map [TOP]');
  process.exit(2);
}
const top = Number(topArg ?? '40');
if (!Number.isInteger(top) || top < 1) {
  console.error(`callgrindByFunction: TOP must be a positive integer, got ${topArg}`);
  process.exit(2);
}
const ranges = readCodeMap(mapFile);
const byFunction = new Map<string, number>();
let total = 0;
let unmapped = 0;
let address = 0;
let afterCall = false;
for (const line of readFileSync(cgFile, 'utf8').split('\n')) {
  if (line.startsWith('calls=')) {
    afterCall = true;
    continue;
  }
  const first = line.charCodeAt(0);
  // Cost lines start with an address: absolute (0x…), relative (+n, −n) or the same (*).
  if (!(line.startsWith('0x') || line.startsWith('+') || line.startsWith('-') || line.startsWith('*') || (first >= 48 && first <= 57))) continue;
  const fields = line.trim().split(/\s+/);
  const position = fields[0] as string;
  if (position.startsWith('0x')) address = parseInt(position, 16);
  else if (position.startsWith('+')) address += Number(position.slice(1));
  else if (position.startsWith('-')) address -= Number(position.slice(1));
  if (afterCall) {
    afterCall = false;
    continue;
  }
  const cost = Number(fields[fields.length - 1]);
  if (!Number.isFinite(cost)) continue;
  total += cost;
  const range = rangeOf(ranges, address);
  if (range === null) unmapped += cost;
  else byFunction.set(range.name, (byFunction.get(range.name) ?? 0) + cost);
}
const millions = (n: number): string => (n / 1e6).toFixed(1).padStart(10);
console.log(`total ${millions(total)} M, unmapped ${millions(unmapped)} M`);
for (const [name, cost] of [...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${millions(cost)} M  ${name}`);
