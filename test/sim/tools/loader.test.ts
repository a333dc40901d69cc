/**
 * The TypeScript loader the CLI, bench and workers run with (sim/tools/loader/): it must compile a
 * source to the source minus its types — in particular without esbuild's keepNames wrappers,
 * which cost the 1 Hz loop about 10 % (see sim/tools/loader/hooks.mjs) — and leave other files alone.
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module without type declarations
import { load } from '../../../sim/tools/loader/hooks.mjs';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
type Loaded = { format: string; source: string; shortCircuit?: boolean };
const load_ = load as (url: string, context: object, next: (url: string) => Promise<Loaded>) => Promise<Loaded>;

describe('sim/tools/loader: the TypeScript hooks', () => {
  it('PUMP-LOADER compiles a .ts module to ESM with its types erased and no function renaming (no keepNames)', async () => {
    const url = pathToFileURL(path.join(ROOT, 'sim', 'world', 'clock.ts')).href;
    const loaded = await load_(url, {}, () => Promise.reject(new Error('a .ts file must not reach the next loader')));
    expect(loaded.format).toBe('module');
    expect(loaded.shortCircuit).toBe(true);
    expect(loaded.source).toContain('class VirtualClock');
    expect(loaded.source).not.toMatch(/\bimplements\b|: number\b/);
    expect(loaded.source).not.toContain('__name');
    expect(loaded.source).toContain('sourceMappingURL=data:application/json');
  });

  it('PUMP-LOADER hands every other file to the next loader', async () => {
    const url = pathToFileURL(path.join(ROOT, 'sim', 'course', 'rules.default.json')).href;
    const next = { format: 'json', source: '{}' };
    expect(await load_(url, {}, () => Promise.resolve(next))).toBe(next);
  });
});
