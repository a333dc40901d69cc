/**
 * Link attacks as scenario faults: each refused with no effect on the therapy, its outcome in the
 * summary's faults[] like any other fault; a burst of five raises SECURITY_ALERT and therapy
 * continues to the end.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SCENARIO_INPUT, loadScenarioFile, parseScenario } from '../../../sim/scenario/scenario.ts';
import { Simulation } from '../../../sim/run/simulation.ts';
import { LINK_ATTACK_KINDS } from '../../../sim/world/faults.ts';

const HOUR_MS = 3_600_000;

function runWith(faults: unknown[], hours = 4): Simulation {
  const scenario = parseScenario({ ...JSON.parse(JSON.stringify(DEFAULT_SCENARIO_INPUT)), faults });
  const sim = new Simulation({ scenario, maxSimulatedMs: hours * HOUR_MS });
  sim.runToEnd();
  return sim;
}

describe('link attacks from a scenario', () => {
  const nominal = runWith([]);
  for (const kind of LINK_ATTACK_KINDS) {
    it(`PUMP-LINK-AUTH ${kind} at 2 h is refused by the link and the therapy goes on exactly as without it`, () => {
      const sim = runWith([{ kind, atHours: 2 }]);
      const refused = sim.log.entries.filter((e) => e.code === 'LINK_REFUSED' && e.atMs >= 2 * HOUR_MS);
      expect(refused.length).toBe(1);
      expect(sim.firmware.ledger).toEqual(nominal.firmware.ledger);
      expect(sim.firmware.modeName).toBe(nominal.firmware.modeName);
      const summary = sim.summary();
      expect(summary.faults).toEqual([{ kind, atSeconds: 7200, detectedBy: null, latencySeconds: null, expected: [] }]);
    });
  }

  it('PUMP-LINK-AUTH five forged frames raise SECURITY_ALERT (medium) within seconds; the infusion still completes', () => {
    const summary = new Simulation({ scenario: loadScenarioFile('sim/scenarios/forged-command.json') }).runToEnd();
    expect(summary.faults[0]).toMatchObject({ kind: 'forgedCommand', detectedBy: 'SECURITY_ALERT', expected: ['SECURITY_ALERT'] });
    expect(summary.faults[0]?.latencySeconds).toBeLessThanOrEqual(10);
    expect(summary.alarms.map((a) => a.code)).toEqual(['SECURITY_ALERT']);
    expect(summary.finalState).toBe('locked');
  });
});
