/**
 * Node module hooks that run the TypeScript sources directly: each `.ts` file is compiled on load
 * by esbuild, file by file (types erased, nothing bundled, imports untouched), with an inline
 * source map so stack traces name the .ts lines.
 *
 * Owns: how `npm start`, `pumpsim`, `bench`, the soak campaign and every worker thread load TypeScript.
 * Promises: the code that runs is the source minus its types, nothing added. In particular no
 * esbuild `keepNames`, which tsx forces on: it renames every function after creation
 * (`Object.defineProperty(fn, 'name', …)`), which slows the 1 Hz loop (docs/performance.md).
 * tsx stays the tool for one-off scripts (`npx tsx sim/tools/docBlocks.ts --write`); vitest compiles
 * the tests itself.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const TRANSFORM = Object.freeze({
  loader: 'ts',
  format: 'esm',
  // The oldest Node the package supports (package.json engines): at `node20` esbuild drops import
  // attributes, which the built-in device files' JSON imports need.
  target: 'node20.15',
  sourcemap: 'inline',
  // The tsconfig settings that change emitted code (tsconfig.json has the same): imports kept as
  // written, and class fields assigned in the constructor rather than defined (a field first
  // defined as undefined holds the numbers later stored there as generic values: docs/performance.md).
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: false, verbatimModuleSyntax: true } },
});

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const path = fileURLToPath(url);
  const { code } = await transform(await readFile(path, 'utf8'), { ...TRANSFORM, sourcefile: path });
  return { format: 'module', source: code, shortCircuit: true };
}
