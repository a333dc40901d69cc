/**
 * Worker entry for the population campaign: runs one nominal cycle in a worker thread (piscina).
 * Owns nothing; promises the same result as `runPopulationCase` in the main thread.
 */
import { runPopulationCase } from './population.ts';

export default runPopulationCase;
