export { decodeCursor, encodeCursor } from './cursor.js';
export type * from './port.js';
export { FileSnapshotStore } from './snapshots/file-snapshot-store.js';
export type { SnapshotStore } from './snapshots/port.js';
export { DATABASE_FILE, SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
export { SqliteWorkerStore } from './sqlite/worker/sqlite-worker-store.js';
