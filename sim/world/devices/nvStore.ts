/**
 * The non-volatile store of the pump.
 *
 * Owns: the records the firmware keeps across power loss, and a count of writes.
 * Promises: records are copied in and out, so neither side can change the other's copy.
 */
import type { Done, HalResult, NvReadResult, NvRecord, NvStore } from '../../../hal/index.ts';
import { DONE } from '../../../hal/index.ts';

/** Battery-backed store: survives firmware power loss; records are copied in and out. */
export class SimNvStore implements NvStore {
  private readonly records = new Map<string, NvRecord>();
  writes = 0;

  read(key: string): HalResult<NvReadResult> {
    const r = this.records.get(key);
    return { ok: true, record: r === undefined ? null : { ...r } };
  }

  write(key: string, record: NvRecord): HalResult<Done> {
    this.records.set(key, { ...record });
    this.writes++;
    return DONE;
  }
}
