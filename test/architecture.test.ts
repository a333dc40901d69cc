/**
 * The shape of the house. The portability rule: firmware/ and hal/ are what would be flashed, so
 * they use no host time, randomness or timers except the HAL clock, never import the simulator,
 * and import only their own layer (firmware: itself, ../hal/ and package.json dependencies; hal:
 * only itself). The layering rule: each room of sim/ imports only the rooms below it
 * (ROOM_IMPORTS), so the simulated world never depends on the tools around it; and no file
 * imports itself through a chain of others.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Layer, ScanRules } from './support/sourceScan.ts';
import { formatViolations, importSpecifiers, lex, scanSource } from './support/sourceScan.ts';
import { importCycles, importGraph, roomOf } from './support/importGraph.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
/** Every package the clone installs: the shipped library bundles its runtime packages, so package.json lists them all for development (docs/library.md). */
const DEPENDENCIES = Object.keys({ ...PACKAGE.dependencies, ...PACKAGE.devDependencies });
/** The one package the flashed code may use: the statechart library (hal/ uses none). */
const FIRMWARE_PACKAGES = ['xstate'];

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...tsFiles(full));
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

function rulesFor(layer: Layer, file = `${layer}/example.ts`): ScanRules {
  return { layer, filePath: path.join(ROOT, file), rootDir: ROOT, allowedPackages: layer === 'firmware' ? FIRMWARE_PACKAGES : [] };
}

/** Rules found in a snippet scanned as firmware/example.ts (or hal/). */
function found(snippet: string, layer: Layer = 'firmware'): string[] {
  return scanSource(snippet, `${layer}/example.ts`, rulesFor(layer)).map((v) => v.rule);
}

describe('the scanner itself', () => {
  it('PUMP-PORT-SCAN flags host time, randomness and high-resolution clocks', () => {
    expect(found('const t = Date.now();')).toEqual(['Date.now']);
    expect(found('const d = new Date();')).toEqual(['new Date(']);
    expect(found('const d = new Date (0);')).toEqual(['new Date(']);
    expect(found('const r = Math.random() * 2;')).toEqual(['Math.random']);
    expect(found('const p = performance.now();')).toEqual(['performance.now']);
    expect(found('const h = process.hrtime.bigint();')).toEqual(['process.hrtime']);
    expect(found('const h = globalThis.Date.now();')).toEqual(['Date.now']);
  });

  it('PUMP-PORT-SCAN flags global timers, bare or through globalThis, and passing them as values', () => {
    expect(found('setTimeout(() => tick(), 1000);')).toEqual(['setTimeout outside the HAL clock']);
    expect(found('  const h = setInterval(tick, 10);')).toEqual(['setInterval outside the HAL clock']);
    expect(found('globalThis.setTimeout(tick, 5);')).toEqual(['setTimeout outside the HAL clock']);
    expect(found('timers.setTimeout(tick, 5);')).toEqual(['setTimeout outside the HAL clock']);
    expect(found('clearTimeout(h);')).toEqual(['clearTimeout outside the HAL clock']);
    expect(found('const schedule = setTimeout;')).toEqual(['setTimeout outside the HAL clock']);
    expect(found('if (x) { setTimeout(f, 0); }')).toEqual(['setTimeout outside the HAL clock']);
    expect(found('setTimeout();')).toEqual(['setTimeout outside the HAL clock']);
    expect(found('const t = fast ? setImmediate : setTimeout;')).toEqual(['setImmediate outside the HAL clock', 'setTimeout outside the HAL clock']);
    expect(found('const c = { run: () => setTimeout(f, 1) };')).toEqual(['setTimeout outside the HAL clock']);
  });

  it('PUMP-PORT-SCAN flags a host timer name even as a member or a declared method (the HAL clock has setTimer/clearTimer)', () => {
    expect(found('this.selfTestHandle = this.hal.clock.setTimeout(() => this.finishSelfTest(), 2000);')).toEqual(['setTimeout outside the HAL clock']);
    expect(found('hal.clock.clearTimeout(handle);')).toEqual(['clearTimeout outside the HAL clock']);
    expect(found('this.hal.clock\n  .setTimeout(cb, 1);')).toEqual(['setTimeout outside the HAL clock']);
    expect(found('const h = clock?.setTimeout(cb, 1);')).toEqual(['setTimeout outside the HAL clock']);
    expect(found('interface Clock {\n  setTimeout(callback: () => void, delayMs: number): TimerHandle;\n}', 'hal')).toEqual(['setTimeout outside the HAL clock']);
    expect(found('class C implements Clock {\n  clearTimeout(handle: number): void {}\n}', 'hal')).toEqual(['clearTimeout outside the HAL clock']);
  });

  it('PUMP-PORT-SCAN allows the HAL clock’s timers, and flags a host timer name even as an object key', () => {
    expect(found('this.selfTestHandle = this.hal.clock.setTimer(() => this.finishSelfTest(), 2000);')).toEqual([]);
    expect(found('hal.clock.clearTimer(handle);')).toEqual([]);
    expect(found('interface Clock {\n  setTimer(callback: () => void, delayMs: number): TimerHandle;\n  clearTimer(handle: TimerHandle): void;\n}', 'hal')).toEqual([]);
    expect(found('const api = { setTimeout: (cb: () => void) => 0 };')).toEqual(['setTimeout outside the HAL clock']);
    expect(found('const api = { setTimeout: setTimeout };')).toEqual(['setTimeout outside the HAL clock', 'setTimeout outside the HAL clock']);
  });

  it('PUMP-PORT-SCAN ignores comments and the text of strings', () => {
    expect(found('// Date.now() would break determinism')).toEqual([]);
    expect(found('/* setTimeout(f, 1); Math.random() */ const a = 1;')).toEqual([]);
    expect(found(' * The shape of `setTimeout`/`clearTimeout` is XState’s Clock.')).toEqual([]);
    expect(found("const msg = 'never call Date.now() here';")).toEqual([]);
    expect(found('const msg = `no setTimeout( in ${name}`;')).toEqual([]);
    expect(found('const re = /setTimeout\\(/g;')).toEqual([]);
    expect(found('const x = a / b; const y = Date.now() / 2;')).toEqual(['Date.now']);
  });

  it('PUMP-PORT-SCAN still reads code inside template interpolations', () => {
    expect(found('const msg = `at ${Date.now()} ms`;')).toEqual(['Date.now']);
    expect(found('const msg = `a ${ { k: Math.random() }.k } b`;')).toEqual(['Math.random']);
  });

  it('PUMP-PORT-SCAN flags any import of the simulator, in any form', () => {
    const sim = 'imports the simulator (../sim/world/plant.ts)';
    expect(found("import { plant } from '../sim/world/plant.ts';")).toEqual([sim]);
    expect(found("import type { Plant } from '../sim/world/plant.ts';")).toEqual([sim]);
    expect(found("export * from '../sim/world/plant.ts';")).toEqual([sim]);
    expect(found("const m = await import('../sim/world/plant.ts');")).toEqual([sim]);
    expect(found("import '../sim/world/plant.ts';")).toEqual([sim]);
    expect(found("import {\n  a,\n  b,\n} from '../sim/world/plant.ts';")).toEqual([sim]);
    expect(found("import { x } from 'sim/x.ts';")).toEqual(['imports the simulator (sim/x.ts)']);
    expect(found("import { x } from '../sim/x.ts';", 'hal')[0]).toBe('imports the simulator (../sim/x.ts)');
  });

  it('PUMP-PORT-SCAN firmware imports only firmware/, hal/ and xstate', () => {
    expect(found("import { assign, setup } from 'xstate';")).toEqual([]);
    expect(found("import type { Clock } from '../hal/index.ts';")).toEqual([]);
    expect(found("import { planInfusion } from './dosing.ts';")).toEqual([]);
    const inSubfolder = (snippet: string): string[] => scanSource(snippet, 'firmware/detectors/example.ts', rulesFor('firmware', 'firmware/detectors/example.ts')).map((v) => v.rule);
    expect(inSubfolder("import type { Ledger } from '../ledger.ts';")).toEqual([]);
    expect(inSubfolder("import type { FlowReading } from '../../hal/index.ts';")).toEqual([]);
    expect(inSubfolder("import { x } from '../../test/x.ts';")).toEqual(['firmware/ imports only firmware/ and hal/ (../../test/x.ts)']);
    expect(found("import fs from 'node:fs';")).toEqual(['firmware/ imports a package other than xstate (node:fs)']);
    expect(found("import fc from 'fast-check';")).toEqual(['firmware/ imports a package other than xstate (fast-check)']);
    expect(found("import { z } from 'zod';")).toEqual(['firmware/ imports a package other than xstate (zod)']);
    expect(found("import { setup } from 'xstate';")).toEqual([]);
    expect(found("import { x } from '../test/support/fc.ts';")).toEqual(['firmware/ imports only firmware/ and hal/ (../test/support/fc.ts)']);
    expect(found("import { x } from './../test/x.ts';")).toEqual(['firmware/ imports only firmware/ and hal/ (./../test/x.ts)']);
    expect(found("import { x } from '../hal/../sim2/x.ts';")).toEqual(['firmware/ imports only firmware/ and hal/ (../hal/../sim2/x.ts)']);
  });

  it('PUMP-PORT-SCAN hal imports nothing but itself', () => {
    expect(found("import type { HalResult } from './result.ts';", 'hal')).toEqual([]);
    expect(found("import { setup } from 'xstate';", 'hal')).toEqual(['hal/ imports nothing but itself (xstate)']);
    expect(found("import type { Plan } from '../firmware/dosing.ts';", 'hal')).toEqual(['hal/ imports nothing but itself (../firmware/dosing.ts)']);
  });

  it('PUMP-PORT-SCAN reports the line of each violation', () => {
    const v = scanSource('const a = 1;\n// Date.now()\nconst b = Date.now();\n', 'firmware/x.ts', rulesFor('firmware'));
    expect(v).toEqual([{ file: 'firmware/x.ts', line: 3, rule: 'Date.now', text: 'const b = Date.now();' }]);
    expect(formatViolations(v)).toBe('firmware/x.ts:3: Date.now\n    const b = Date.now();');
  });

  it('PUMP-PORT-SCAN lexing keeps length and line breaks, so positions map to lines', () => {
    const src = "a /* x\ny */ b // c\n'd\\'e' `f${g}h`";
    const { code, bare } = lex(src);
    expect(code.length).toBe(src.length);
    expect(bare.length).toBe(src.length);
    expect(code.split('\n').length).toBe(src.split('\n').length);
    expect(importSpecifiers("import a from './a.ts';\nexport { b } from \"./b.ts\";").map((r) => r.specifier)).toEqual(['./a.ts', './b.ts']);
  });
});

describe('the portability rule over the code that would be flashed', () => {
  const layers: { layer: Layer; dir: string }[] = [
    { layer: 'firmware', dir: path.join(ROOT, 'firmware') },
    { layer: 'hal', dir: path.join(ROOT, 'hal') },
  ];

  for (const { layer, dir } of layers) {
    it(`PUMP-PORT ${layer}/ uses no host time, randomness or timers but the HAL clock, and imports only what its layer may`, () => {
      const files = tsFiles(dir);
      expect(files.length, `${layer}/ has TypeScript files`).toBeGreaterThan(0);
      const violations = files.flatMap((file) =>
        scanSource(readFileSync(file, 'utf8'), path.relative(ROOT, file), rulesFor(layer, path.relative(ROOT, file))),
      );
      expect(violations, `portability violations:\n${formatViolations(violations)}`).toEqual([]);
    });
  }

  it('PUMP-PORT-DEPS firmware/ depends on xstate, which package.json lists', () => {
    expect(DEPENDENCIES).toContain('xstate');
    const packages = new Set(
      tsFiles(path.join(ROOT, 'firmware')).flatMap((f) =>
        importSpecifiers(readFileSync(f, 'utf8')).map((r) => r.specifier).filter((s) => !s.startsWith('.')),
      ),
    );
    expect([...packages]).toContain('xstate');
  });
});

/**
 * What each room may import besides itself (docs/architecture.md). The world (clock, plant,
 * devices, faults, operator) stands on the firmware's types and the HAL alone; scenarios describe
 * a world; a run drives one; courses and campaigns are many runs, the bench is runs with a balance
 * at the outlet; reports format results; the CLI
 * sits on top, and the tools (bench, profiling, doc generators) beside it use its option parsing.
 * test/ may import anything.
 */
const ROOM_IMPORTS: Readonly<Record<string, readonly string[]>> = {
  hal: [],
  firmware: ['hal'],
  'sim/world': ['firmware', 'hal'],
  'sim/scenario': ['sim/world', 'firmware', 'hal'],
  'sim/run': ['sim/scenario', 'sim/world', 'firmware', 'hal'],
  'sim/course': ['sim/run', 'sim/scenario', 'sim/world', 'firmware', 'hal'],
  'sim/verify': ['sim/run', 'sim/scenario', 'sim/world', 'firmware', 'hal'],
  'sim/campaigns': ['sim/course', 'sim/run', 'sim/scenario', 'sim/world', 'firmware', 'hal'],
  'sim/bench': ['sim/run', 'sim/scenario', 'sim/world', 'firmware', 'hal'],
  'sim/report': ['sim/bench', 'sim/campaigns', 'sim/course', 'sim/run', 'sim/scenario', 'sim/world', 'firmware', 'hal'],
  'sim/library': ['sim/course', 'sim/run', 'sim/scenario', 'sim/world', 'firmware', 'hal'],
  'sim/cli': ['sim/library', 'sim/report', 'sim/bench', 'sim/campaigns', 'sim/verify', 'sim/course', 'sim/run', 'sim/scenario', 'sim/world', 'firmware', 'hal'],
  'sim/tools': ['sim/cli', 'sim/library', 'sim/report', 'sim/bench', 'sim/campaigns', 'sim/verify', 'sim/course', 'sim/run', 'sim/scenario', 'sim/world', 'firmware', 'hal'],
};

describe('the layering of the simulator', () => {
  const graph = importGraph(ROOT, ['firmware', 'hal', 'sim', 'test']);

  it('PUMP-LAYERS every source file lives in a room the layering names, and sim/ has no file of its own at the top', () => {
    const unplaced = [...graph.keys()].filter((f) => !f.startsWith('test/') && ROOM_IMPORTS[roomOf(f)] === undefined);
    expect(unplaced).toEqual([]);
  });

  it('PUMP-LAYERS each room imports only itself and the rooms below it (the simulated world never imports scenarios, runs, campaigns, reports, the CLI or the tools)', () => {
    const violations: string[] = [];
    for (const [file, targets] of graph) {
      const allowed = ROOM_IMPORTS[roomOf(file)];
      if (allowed === undefined) continue;
      for (const target of targets) {
        const room = roomOf(target);
        if (room !== roomOf(file) && !allowed.includes(room)) violations.push(`${file} imports ${target} (${roomOf(file)} may import ${allowed.join(', ') || 'nothing'})`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('PUMP-LAYERS no import cycle anywhere in firmware/, hal/, sim/ or test/ (type-only imports included)', () => {
    expect(importCycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });

  it('PUMP-LAYERS the cycle finder finds a loop of three and reports it once, and the room of a file is its sim/ folder', () => {
    const loop = new Map([['c.ts', ['a.ts']], ['a.ts', ['b.ts']], ['b.ts', ['c.ts', 'd.ts']], ['d.ts', []]]);
    expect(importCycles(loop)).toEqual([['a.ts', 'b.ts', 'c.ts']]);
    expect(importCycles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
    expect(roomOf('sim/world/plant/hydraulics.ts')).toBe('sim/world');
    expect(roomOf('sim/index.ts')).toBe('sim');
    expect(roomOf('firmware/detectors/flow.ts')).toBe('firmware');
  });
});
