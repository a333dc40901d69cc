/**
 * The hash of the source a campaign ran: what a shard file records so that a merge refuses
 * shards run from different code.
 *
 * Owns: which files the hash covers and how they are hashed.
 * Promises: SHA-256 over every file under firmware/, hal/ and sim/ of the package (names starting
 * with a dot excluded, so editor swap files and the like do not count), taken in order of their
 * repository-relative paths with forward slashes; for each file the path, a NUL, its size in
 * bytes in decimal, a NUL, then its bytes. It reads the files as they are on disk (no git needed,
 * so a container image without .git gives the same hash as the checkout it was built from); the
 * dependencies are covered by the package version and package-lock.json is not hashed.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folders the hash covers, relative to the package root. */
export const HASHED_FOLDERS = Object.freeze(['firmware', 'hal', 'sim']);

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function filesUnder(root: string, rel: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const child = `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...filesUnder(root, child));
    else if (entry.isFile()) out.push(child);
  }
  return out;
}

/** The hashed files' repository-relative paths, in hashing order. */
export function hashedFiles(root: string = PACKAGE_ROOT): string[] {
  // Plain code-unit order, not the locale's: the same on every machine.
  return HASHED_FOLDERS.flatMap((folder) => filesUnder(root, folder)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const cache = new Map<string, string>();

/** The SHA-256 (hex) of the source under `root` (default: this package). */
export function sourceSha256(root: string = PACKAGE_ROOT): string {
  const known = cache.get(root);
  if (known !== undefined) return known;
  const hash = createHash('sha256');
  for (const file of hashedFiles(root)) {
    const bytes = readFileSync(path.join(root, file));
    hash.update(`${file}\0${bytes.length}\0`);
    hash.update(bytes);
  }
  const hex = hash.digest('hex');
  cache.set(root, hex);
  return hex;
}
