/**
 * The worker pool (sim/campaigns/workers.ts) as a process would use it: worker threads load the TypeScript
 * sources through the loader, and start whatever flags the parent runs with — a worker refuses
 * V8 flags in its own execArgv, so passing the parent's on would make a run started with, say,
 * `--stack-size` fail before its first task.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

describe('worker pool', () => {
  it('PUMP-LOADER worker threads load TypeScript and start under a parent run with a V8 flag; results keep task order', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--stack-size=2000', '--import', './sim/tools/loader/register.mjs', 'test/support/poolProbe.ts'], { cwd: ROOT, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual([
      { doubled: 2, inWorker: true },
      { doubled: 4, inWorker: true },
      { doubled: 6, inWorker: true },
    ]);
  });
});
