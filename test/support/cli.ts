/**
 * Calling `pumpsim` in-process for tests: `main(argv, out, err)` with collecting streams.
 *
 * Owns: `cli(...)` and the check of the CLI's invalid-input contract (`expectInputError`).
 */
import { expect } from 'vitest';
import { EXIT_INVALID_INPUT } from '../../sim/cli/exitCodes.ts';
import { main } from '../../sim/cli/main.ts';
import { collectingStream } from './simulation.ts';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function cli(...argv: string[]): Promise<CliResult> {
  const out = collectingStream();
  const err = collectingStream();
  const code = await main(argv, out.stream, err.stream);
  return { code, stdout: out.text(), stderr: err.text() };
}

/** Exit 2, nothing on stdout, exactly one line on stderr and no stack trace. */
export function expectInputError(r: CliResult, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(EXIT_INVALID_INPUT);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\bat \S+ \(|\n\s+at /);
  expect(r.stderr).toMatch(pattern);
}
