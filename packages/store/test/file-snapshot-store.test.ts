import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileSnapshotStore } from '@bulwark/store';
import { afterEach, describe, expect, it } from 'vitest';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function stateDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-snapshots-'));
  dirs.push(dir);
  return path.join(dir, 'state');
}

describe('FileSnapshotStore', () => {
  it('gives back the latest snapshot, pieces in order, and null before the first', async () => {
    const snapshots = new FileSnapshotStore(stateDir());
    expect(await snapshots.load('rules-engine')).toBeNull();
    await snapshots.save('rules-engine', [new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])]);
    await snapshots.save('rules-engine', [new Uint8Array([4, 5, 6]), new Uint8Array([7])]);
    expect([...((await snapshots.load('rules-engine')) ?? [])]).toEqual([4, 5, 6, 7]);
  });

  it('reads the pieces before it waits: changing them afterwards changes nothing saved', async () => {
    const snapshots = new FileSnapshotStore(stateDir());
    const piece = new Uint8Array([1, 1, 1]);
    const saving = snapshots.save('rules-engine', [piece]);
    piece.fill(9);
    await saving;
    expect([...((await snapshots.load('rules-engine')) ?? [])]).toEqual([1, 1, 1]);
  });

  it('replaces the previous snapshot only once publishAfter resolves, and never if it rejects', async () => {
    const dir = stateDir();
    const snapshots = new FileSnapshotStore(dir);
    await snapshots.save('rules-engine', [new Uint8Array([1])]);
    let release = () => {};
    const committed = new Promise<void>((resolve) => {
      release = resolve;
    });
    const saving = snapshots.save('rules-engine', [new Uint8Array([2])], committed);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect([...((await snapshots.load('rules-engine')) ?? [])]).toEqual([1]);
    release();
    await saving;
    expect([...((await snapshots.load('rules-engine')) ?? [])]).toEqual([2]);
    const failed = snapshots.save(
      'rules-engine',
      [new Uint8Array([3])],
      Promise.reject(new Error('commit failed')),
    );
    await expect(failed).rejects.toThrow('commit failed');
    expect([...((await snapshots.load('rules-engine')) ?? [])]).toEqual([2]);
    expect(readdirSync(dir)).toEqual(['rules-engine.snapshot']);
  });

  it('keeps the previous snapshot when a write did not finish, and sets an unreadable one aside', async () => {
    const dir = stateDir();
    const snapshots = new FileSnapshotStore(dir);
    await snapshots.save('rules-engine', [new Uint8Array([1])]);
    // What a crash in the middle of a write leaves: a temporary file beside the snapshot.
    writeFileSync(path.join(dir, 'rules-engine.snapshot.tmp'), 'half a snap');
    expect([...((await snapshots.load('rules-engine')) ?? [])]).toEqual([1]);
    const aside = await snapshots.discard('rules-engine');
    expect(aside).toMatch(/rules-engine\.snapshot\.unreadable-\d+$/);
    expect(await snapshots.load('rules-engine')).toBeNull();
    expect(readdirSync(dir).some((name) => name.startsWith('rules-engine.snapshot.unreadable-'))).toBe(true);
    expect(await snapshots.discard('rules-engine')).toBeNull();
  });

  it('deletes the snapshot it replaces, and an old one a crash left behind', async () => {
    const dir = stateDir();
    const snapshots = new FileSnapshotStore(dir);
    await snapshots.save('rules-engine', [new Uint8Array([1])]);
    await snapshots.save('rules-engine', [new Uint8Array([2])]);
    expect(readdirSync(dir)).toEqual(['rules-engine.snapshot']);
    // What a crash between replacing a snapshot and deleting the previous one leaves.
    writeFileSync(path.join(dir, 'rules-engine.snapshot.old'), 'the one before');
    await snapshots.save('rules-engine', [new Uint8Array([3])]);
    expect(readdirSync(dir)).toEqual(['rules-engine.snapshot']);
    expect([...((await snapshots.load('rules-engine')) ?? [])]).toEqual([3]);
  });

  it('refuses names that are not plain', async () => {
    const snapshots = new FileSnapshotStore(stateDir());
    await expect(snapshots.save('../escape', [new Uint8Array(1)])).rejects.toThrow(/lowercase letters/);
  });
});
