/**
 * Worker pool for batches of independent runs (detection report, cohort): piscina over both cores.
 *
 * Owns: starting TypeScript workers (through the loader the CLI runs with, sim/tools/loader/) and spreading tasks over them.
 * Promises: results come back in task order whatever the scheduling, so a batch's output does not
 * depend on the number of workers; with `workers: 1` everything runs in this thread.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';

export interface PoolOptions {
  readonly workers?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

/** sim/tools/loader/register.mjs, which compiles the TypeScript sources as they load. */
const LOADER_IMPORT = new URL('../tools/loader/register.mjs', import.meta.url).href;

/**
 * Node flags for a worker thread: exactly the TypeScript loader. Not the parent's flags: a worker
 * refuses V8 and process-wide ones (`--max-old-space-size`, `--stack-size`, …: "invalid execArgv
 * flags"), which already apply to every thread anyway, and a CPU profile per thread would
 * overwrite the parent's file.
 */
export function workerExecArgv(): string[] {
  return ['--import', LOADER_IMPORT];
}

export function defaultWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/**
 * Runs `tasks` through the worker module at `workerUrl` (its default export), or through
 * `inline` in this thread when one worker is asked for.
 */
export async function runPool<T, R>(workerUrl: URL, tasks: readonly T[], inline: (task: T) => R, options: PoolOptions = {}): Promise<R[]> {
  const workers = options.workers ?? defaultWorkers();
  const results: R[] = new Array(tasks.length);
  let done = 0;
  if (workers <= 1) {
    for (let i = 0; i < tasks.length; i++) {
      results[i] = inline(tasks[i] as T);
      options.onProgress?.(++done, tasks.length);
    }
    return results;
  }
  const pool = new Piscina({
    filename: workerUrl.href,
    minThreads: workers,
    maxThreads: workers,
    execArgv: workerExecArgv(),
  });
  try {
    await Promise.all(
      tasks.map(async (task, i) => {
        results[i] = (await pool.run(task)) as R;
        options.onProgress?.(++done, tasks.length);
      }),
    );
  } finally {
    await pool.destroy();
  }
  return results;
}
