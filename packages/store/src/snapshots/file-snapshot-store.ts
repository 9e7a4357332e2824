import {
  closeSync,
  fsync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlink,
  unlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { SnapshotStore } from './port.js';

const SUFFIX = '.snapshot';
const NAME = /^[a-z0-9][a-z0-9-]*$/;

function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

function unlinkAsync(file: string): Promise<void> {
  return new Promise((resolve, reject) =>
    unlink(file, (error) => (error && error.code !== 'ENOENT' ? reject(error) : resolve())),
  );
}

/** `unlinkSync`, where a file already gone is no error. */
function removeIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Snapshots as files in a directory of their own: written to a temporary file, flushed to disk,
 * then renamed over the previous one (and the directory flushed), so that a crash leaves one whole
 * snapshot or the other. The pieces are copied into the file before `save` first waits.
 *
 * The previous snapshot is given a second name (`.old`, a hard link) before the rename and deleted
 * afterwards, off the calling thread: renamed over, a 388 MiB snapshot's pages were freed inside the
 * rename, about 125 ms of the rules stage's thread on this project's VM (docs/BENCHMARKS.md). An
 * `.old` left by a crash is only garbage, removed by the next save.
 */
export class FileSnapshotStore implements SnapshotStore {
  constructor(private readonly dir: string) {}

  async save(name: string, pieces: readonly Uint8Array[], publishAfter?: Promise<unknown>): Promise<void> {
    const file = this.file(name);
    mkdirSync(this.dir, { recursive: true });
    const temporary = `${file}.tmp`;
    const fd = openSync(temporary, 'w', 0o600);
    try {
      for (const piece of pieces) {
        let written = 0;
        while (written < piece.byteLength) written += writeSync(fd, piece, written);
      }
      // Flushed while waiting: by the time `publishAfter` settles, most of the sync is done. Both
      // are awaited to the end whatever happens, so the file is never closed under a running sync.
      const [synced, ready] = await Promise.allSettled([fsyncAsync(fd), publishAfter]);
      if (synced.status === 'rejected') throw synced.reason;
      if (ready.status === 'rejected') throw ready.reason;
    } catch (error) {
      closeSync(fd);
      unlinkSync(temporary);
      throw error;
    }
    closeSync(fd);
    const retired = `${file}.old`;
    removeIfThere(retired);
    let retiring = false;
    try {
      linkSync(file, retired);
      retiring = true;
    } catch {
      // No previous snapshot, or a file system without hard links: the rename frees it, as it may.
    }
    renameSync(temporary, file);
    const dirFd = openSync(this.dir, 'r');
    try {
      await fsyncAsync(dirFd);
    } finally {
      closeSync(dirFd);
    }
    if (retiring) await unlinkAsync(retired);
  }

  async load(name: string): Promise<Uint8Array | null> {
    try {
      return new Uint8Array(readFileSync(this.file(name)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async discard(name: string): Promise<string | null> {
    const file = this.file(name);
    const aside = `${file}.unreadable-${Date.now()}`;
    try {
      renameSync(file, aside);
      return aside;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  private file(name: string): string {
    if (!NAME.test(name))
      throw new Error(`snapshot name ${JSON.stringify(name)}: lowercase letters, digits and dashes`);
    return path.join(this.dir, `${name}${SUFFIX}`);
  }
}
