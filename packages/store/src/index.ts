export { decodeCursor, encodeCursor } from './cursor.js';
export type * from './port.js';
export { DATABASE_FILE, SqliteStore, type SqliteStoreOptions } from './sqlite/sqlite-store.js';
