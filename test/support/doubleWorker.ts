/** A worker module for the pool tests: doubles its task, and says which thread did it. */
import { isMainThread } from 'node:worker_threads';

export default function run(n: number): { readonly doubled: number; readonly inWorker: boolean } {
  return { doubled: 2 * n, inWorker: !isMainThread };
}
