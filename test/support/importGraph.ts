/**
 * The import graph of the source tree, for the layering rules of test/architecture.test.ts.
 *
 * Owns: which files a TypeScript file imports (static `import`/`export … from` and `import()` with a
 * relative specifier, type-only imports included: a type cycle is still a cycle for a reader), the
 * folder ("room") each file belongs to, and the cycles of the graph.
 * Promises: paths are repository-relative with forward slashes; cycles are reported once each, as
 * the list of files around the loop starting from the smallest path.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { importSpecifiers } from './sourceScan.ts';

export type ImportGraph = ReadonlyMap<string, readonly string[]>;

function tsFilesUnder(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(root, dir)).sort()) {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(root, rel)).isDirectory()) out.push(...tsFilesUnder(root, rel));
    else if (name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** Every .ts file under `dirs` (relative to `root`) with the repository files it imports. */
export function importGraph(root: string, dirs: readonly string[]): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const file of dirs.flatMap((d) => tsFilesUnder(root, d))) {
    const targets = importSpecifiers(readFileSync(path.join(root, file), 'utf8'))
      .map((r) => r.specifier)
      .filter((s) => s.startsWith('./') || s.startsWith('../'))
      .map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s)));
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

/** Every elementary cycle's smallest representative, found by a depth-first search from each file. */
export function importCycles(graph: ImportGraph): string[][] {
  const cycles = new Map<string, string[]>();
  const onStack: string[] = [];
  const done = new Set<string>();
  const visit = (file: string): void => {
    const at = onStack.indexOf(file);
    if (at !== -1) {
      const loop = onStack.slice(at);
      const start = loop.indexOf([...loop].sort()[0] as string);
      const canonical = [...loop.slice(start), ...loop.slice(0, start)];
      cycles.set(canonical.join(' → '), canonical);
      return;
    }
    if (done.has(file) || !graph.has(file)) return;
    onStack.push(file);
    for (const next of graph.get(file) ?? []) visit(next);
    onStack.pop();
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) visit(file);
  return [...cycles.values()];
}

/** The room a file lives in: `firmware`, `hal`, `sim/<folder>` or `test`. */
export function roomOf(file: string): string {
  const parts = file.split('/');
  return parts[0] === 'sim' && parts.length > 2 ? `sim/${parts[1]}` : (parts[0] as string);
}
