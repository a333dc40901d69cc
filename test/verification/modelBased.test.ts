/**
 * Model-based testing of the command interface: random command sequences (program, prime, start,
 * pause, resume, acknowledge, audio pause, stop, flush, refill, power cycles, simulated time,
 * faults) run against the real firmware in the simulator, and after every step the reference
 * model (sim/verify/model.ts) and every invariant (sim/verify/invariants.ts) are checked.
 * A failure shrinks to a short sequence, prints it step by step and writes a replayable file.
 */
import { describe, it } from 'vitest';
import { checkModelBased } from '../support/scripted.ts';

describe('the command interface against the reference model', () => {
  it('PUMP-MODEL random command sequences: every answer and mode change agrees with the model, every invariant holds after every step', () => {
    checkModelBased({ seed: 20_251_127, numRuns: 200, maxCommands: 50 });
  });
});
