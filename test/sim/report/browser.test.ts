/**
 * The HTML reports in a real browser: Debian's Chromium driven by playwright-core, headless,
 * opening the files from disk.
 *
 * Checks: the page draws (every chart's canvas has non-blank pixels), loads nothing but file: and
 * data: URLs, raises no script error, and the occlusion alarm marker sits at the alarm's time (the
 * time the run summary reports, found on the timeline canvas by its colour, at a zoom where one
 * pixel is about a second). It writes the screenshot the README shows (docs/images/run-report.png).
 * Chromium is a requirement of `npm test` (.ci/run installs it): without it this test fails.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALARM_RAISED_COLOUR } from '../../../sim/report/html/client.ts';
import type { DetectionResult, NominalResult } from '../../../sim/campaigns/detection.ts';
import { buildReport, detectionCases, runDetectionTask } from '../../../sim/campaigns/detection.ts';
import { detectionReportHtml } from '../../../sim/report/html/detectionReport.ts';
import { standardReportHtml } from '../../../sim/report/html/standardReport.ts';
import { runBench } from '../../../sim/bench/standard.ts';
import { PORT_AMBULATORY } from '../../../sim/scenario/device.ts';
import { cli } from '../../support/cli.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.join(ROOT, 'docs/images/run-report.png');
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

// The page's globals as far as these tests use them inside page.evaluate (the project compiles without the DOM library).
interface Canvas { readonly width: number; readonly height: number; getContext(kind: '2d'): Ctx2d | null }
interface Ctx2d { readonly canvas: Canvas; getImageData(x: number, y: number, w: number, h: number): { readonly data: Uint8ClampedArray } }
interface TimelineChart { valToPos(v: number, scale: string, canvas?: boolean): number; setScale(k: string, r: { min: number; max: number }): void; readonly ctx: Ctx2d }
declare const window: { readonly pumpsimReport?: { readonly ready: boolean; readonly charts: Record<string, TimelineChart> } };
declare const document: { querySelectorAll(selector: 'canvas'): Iterable<Canvas> };
declare function requestAnimationFrame(callback: () => void): number;

let dir: string;
let context: BrowserContext;
let occlusionAlarmS: number;

interface Opened { readonly page: Page; readonly requests: string[]; readonly errors: string[] }

async function open(file: string): Promise<Opened> {
  const page = await context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`file://${file}`);
  await page.waitForFunction(() => window.pumpsimReport?.ready === true, null, { timeout: 30_000 });
  return { page, requests, errors };
}

/** Per canvas: how many pixels are drawn (not transparent, not white). */
async function drawnPixels(page: Page): Promise<number[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('canvas')].map((c) => {
      const ctx = c.getContext('2d');
      if (ctx === null || c.width === 0 || c.height === 0) return 0;
      const px = ctx.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if ((px[i + 3] as number) > 0 && !(px[i] === 255 && px[i + 1] === 255 && px[i + 2] === 255)) n++;
      return n;
    }),
  );
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it (apt-get install -y chromium; .ci/run does)`);
  dir = mkdtempSync(path.join(tmpdir(), 'pumpsim-browser-'));
  const run = await cli('run', '--scenario', path.join(ROOT, 'sim/scenarios/occlusion-catheter.json'), '--json', '--report', path.join(dir, 'run.html'));
  expect(run.code, run.stderr).toBe(0);
  const summary = JSON.parse(run.stdout) as { alarms: { code: string; atSeconds: number }[] };
  const occlusion = summary.alarms.filter((a) => a.code === 'OCCLUSION');
  expect(occlusion).toHaveLength(1);
  occlusionAlarmS = (occlusion[0] as { atSeconds: number }).atSeconds;
  const course = JSON.parse(readFileSync(path.join(ROOT, 'sim/scenarios/course/ulcer-cycle2.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(path.join(dir, 'course.json'), JSON.stringify({ ...course, name: 'browser-course', course: { cycles: 2, cycleDays: 21 }, clinicalEvents: [] }));
  const c = await cli('run', '--scenario', path.join(dir, 'course.json'), '--report', path.join(dir, 'course.html'), '--every', '60');
  expect(c.code, c.stderr).toBe(0);
  const k = await cli('cohort', '--patients', '12', '--seed', '3', '--clinical-only', '--workers', '0', '--report', path.join(dir, 'cohort.html'));
  expect(k.code, k.stderr).toBe(0);
  // A small detection campaign in-process: one fault at two compliances, one nominal cycle.
  const cases = detectionCases({ seedsPerCell: 1, faults: ['occlusion catheter'], rates: ['default'], compliances: [0.05, 1] });
  const faults = cases.map((c) => runDetectionTask({ type: 'fault', c }) as DetectionResult);
  const nominal = [runDetectionTask({ type: 'nominal', c: { seed: 50_000 } }) as NominalResult];
  writeFileSync(path.join(dir, 'detection.html'), detectionReportHtml(buildReport(faults, nominal, 1), 'test', 'test'));
  // The bench's accuracy runs at one rate: the stroke method's trumpet and start-up curves and the ambulatory trumpet.
  writeFileSync(path.join(dir, 'bench.html'), standardReportHtml(runBench(PORT_AMBULATORY, { rates: ['intermediate'], accuracyOnly: true }), 'test', 'test'));
  context = await chromium.launchPersistentContext(path.join(dir, 'profile'), { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
});

afterAll(async () => {
  await context?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('the run report in Chromium', () => {
  it('draws every chart, loads nothing from the network, and raises no script error', async () => {
    const { page, requests, errors } = await open(path.join(dir, 'run.html'));
    expect(errors).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    const pixels = await drawnPixels(page);
    expect(pixels.length).toBe(6);
    for (const n of pixels) expect(n).toBeGreaterThan(500);
    await page.screenshot({ path: SCREENSHOT });
    expect(statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
    await page.close();
  });

  it('puts the occlusion alarm marker at the time of the alarm in the run summary', async () => {
    const { page } = await open(path.join(dir, 'run.html'));
    // Measured in the page: the canvas columns drawn in the marker's colour, and where the chart puts the alarm's time.
    const measure = (shift: number): Promise<{ expected: number; away: number; columns: number[] }> =>
      page.evaluate(
        ({ atS, colour, shiftS }) => {
          const u = window.pumpsimReport?.charts['run-timeline'] as TimelineChart;
          const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
          const c = u.ctx.canvas;
          const px = u.ctx.getImageData(0, 0, c.width, c.height).data;
          const columns = new Set<number>();
          for (let i = 0; i < px.length; i += 4) if (px[i] === r && px[i + 1] === g && px[i + 2] === b && px[i + 3] === 255) columns.add((i / 4) % c.width);
          return { expected: u.valToPos(atS, 'x', true), away: u.valToPos(atS - shiftS, 'x', true), columns: [...columns].sort((x, y) => x - y) };
        },
        { atS: occlusionAlarmS, colour: ALARM_RAISED_COLOUR, shiftS: shift },
      );
    const wide = await measure(300);
    // Zoomed to ±10 min around the alarm (one canvas pixel is about a second); uPlot redraws on the next frame.
    await page.evaluate((atS) => {
      const u = window.pumpsimReport?.charts['run-timeline'];
      u?.setScale('x', { min: atS - 600, max: atS + 600 });
      return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    }, occlusionAlarmS);
    const near = await measure(300);
    const found = { wide, near };
    for (const view of [found.wide, found.near]) {
      expect(view.columns.length).toBeGreaterThan(0);
      const centre = (Math.min(...view.columns) + Math.max(...view.columns)) / 2;
      expect(Math.abs(centre - view.expected)).toBeLessThanOrEqual(3);
      expect(Math.max(...view.columns) - Math.min(...view.columns)).toBeLessThanOrEqual(6);
    }
    // Five minutes before the alarm (about 250 px away) nothing is drawn in the marker's colour.
    expect(Math.abs(near.expected - near.away)).toBeGreaterThan(200);
    expect(near.columns.every((c) => Math.abs(c - near.away) > 100)).toBe(true);
    await page.close();
  });
});

describe('the course report in Chromium', () => {
  it('draws the per-cycle bars and every infused cycle’s traces, and loads nothing from the network', async () => {
    const { page, requests, errors } = await open(path.join(dir, 'course.html'));
    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    const pixels = await drawnPixels(page);
    // Three per-cycle bar charts, then timeline, pressure and volume for each of the two cycles.
    expect(pixels.length).toBe(3 + 2 * 3);
    for (const n of pixels) expect(n).toBeGreaterThan(500);
    expect(await page.locator('a[href="#cycle-2"]').count()).toBe(1);
    expect(await page.locator('.strip div').count()).toBe(42);
    await page.close();
  });
});

describe('the cohort, detection and bench reports in Chromium', () => {
  it('draw their plots and load nothing from the network', async () => {
    for (const [file, charts] of [['cohort.html', 3], ['detection.html', 3], ['bench.html', 3]] as const) {
      const { page, requests, errors } = await open(path.join(dir, file));
      expect(errors, file).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:')), file).toEqual([]);
      const pixels = await drawnPixels(page);
      expect(pixels.length, file).toBe(charts);
      for (const n of pixels) expect(n, file).toBeGreaterThan(500);
      await page.close();
    }
  });
});
