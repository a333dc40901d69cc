/**
 * Worker entry for the storage campaign: runs one run in a worker thread (piscina).
 * Owns nothing; promises the same result as running the run in the main thread.
 */
import { runStorageTask } from './storage.ts';

export default runStorageTask;
