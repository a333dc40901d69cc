/**
 * Builds the library the package ships (`npm run build:library`, and `prepare`, which npm runs
 * before `npm pack` and on `npm install` in a clone).
 *
 * Owns: dist/ (gitignored): dist/pumpsim.js, one ES module bundled by esbuild from
 * sim/library/index.ts with every runtime dependency inside it (xstate, zod, rxjs), the default
 * course rule table beside it, and dist/types/, the declarations tsc emits for it.
 * Promises: the package installs with no dependency to fetch (the bundle needs only Node), and
 * plain `node` imports it with no loader (docs/library.md says why it is built this way).
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const DIST = path.join(ROOT, 'dist');

rmSync(DIST, { recursive: true, force: true });
mkdirSync(DIST, { recursive: true });
await build({
  entryPoints: [path.join(ROOT, 'sim/library/index.ts')],
  outfile: path.join(DIST, 'pumpsim.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.15',
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  // The same code-shaping settings as the loader (sim/tools/loader/hooks.mjs): class fields assigned
  // in the constructor, imports as written.
  tsconfigRaw: { compilerOptions: { useDefineForClassFields: false, verbatimModuleSyntax: true } },
});
// sim/course/rules.ts reads its default table beside the module (import.meta.url): in the bundle, dist/.
copyFileSync(path.join(ROOT, 'sim/course/rules.default.json'), path.join(DIST, 'rules.default.json'));
// Declarations only; the sources are type-checked by `npm test` (tsc --noEmit), so not again here.
execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.library.json'), '--noCheck'], { stdio: 'inherit' });
