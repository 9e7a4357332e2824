/**
 * Where a stage keeps a snapshot of its state (the rules engine's), one per name, replaced whole.
 *
 * - `save` takes the snapshot as pieces to write one after the other. It reads them before it first
 *   waits (they may be views of state that changes as soon as the caller goes on), and resolves once
 *   the snapshot is durable. A crash at any point leaves the previous snapshot or the new one whole,
 *   never a mix. With `publishAfter`, the new snapshot replaces the previous only once that promise
 *   resolves; if it rejects, the previous stays and `save` rejects with its reason. (The rules stage
 *   snapshots state whose incidents are still being committed, and goes on evaluating meanwhile.)
 * - `load` gives the latest saved snapshot's bytes, or null when there is none.
 * - `discard` moves a snapshot its reader could not make sense of out of the way (kept for
 *   inspection, not read again); it returns where it went, or null when there was none.
 */
export interface SnapshotStore {
  save(name: string, pieces: readonly Uint8Array[], publishAfter?: Promise<unknown>): Promise<void>;
  load(name: string): Promise<Uint8Array | null>;
  discard(name: string): Promise<string | null>;
}
