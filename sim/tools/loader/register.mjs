/**
 * `node --import ./sim/tools/loader/register.mjs sim/cli/main.ts …`: installs the TypeScript hooks
 * (hooks.mjs) before the entry point loads. `LOADER_IMPORT` is this file's URL, for worker threads
 * started with the same `--import`.
 */
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
process.setSourceMapsEnabled(true);

export const LOADER_IMPORT = import.meta.url;
