/**
 * Run as a process by test/sim/campaigns/workers.test.ts: sends three tasks through `runPool` on two worker
 * threads and prints the results as JSON.
 */
import { runPool } from '../../sim/campaigns/workers.ts';
import run from './doubleWorker.ts';

const results = await runPool(new URL('./doubleWorker.ts', import.meta.url), [1, 2, 3], run, { workers: 2 });
process.stdout.write(`${JSON.stringify(results)}\n`);
