import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

/**
 * better-sqlite3 for the running Node, as one constructor; everything that opens a database takes it
 * from here. Two majors are installed, because neither runs on every Node this project supports:
 *
 * - 13 (`better-sqlite3`) is a Node-API addon built for Node-API 10, which Node has from 22.14 on.
 *   On Node 20 (Node-API 9) it crashes as it opens a database.
 * - 12 (`better-sqlite3-v12`, an optional dependency, built from source for this Node at install)
 *   runs on Node 20. On Node 24 it aborts the process whenever a garbage-collected statement is
 *   destroyed while no JavaScript context is entered (its object wrapper removes an environment
 *   cleanup hook there, and Node 24 asserts on that).
 *
 * The API the store uses is the same in both.
 */
const NODE_API_FOR_V13 = 10;
const require = createRequire(import.meta.url);

/** Which major this Node gets: 13 where Node-API 10 exists, else 12. */
export function driverPackage(
  nodeApi = Number(process.versions.napi),
): 'better-sqlite3' | 'better-sqlite3-v12' {
  return nodeApi >= NODE_API_FOR_V13 ? 'better-sqlite3' : 'better-sqlite3-v12';
}

function load(): typeof BetterSqlite3 {
  const name = driverPackage();
  try {
    return require(name) as typeof BetterSqlite3;
  } catch (error) {
    if (name === 'better-sqlite3-v12' && (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
      throw new Error(
        `Node.js ${process.version} (Node-API ${process.versions.napi}) needs better-sqlite3 12, which npm builds ` +
          'from source and skipped (it is optional): install python3, make and a C++ compiler, then run ' +
          '`npm install` again; or use Node.js 22.14 or newer.',
        { cause: error },
      );
    }
    throw error;
  }
}

/** The better-sqlite3 `Database` constructor for this Node. */
export const Database: typeof BetterSqlite3 = load();
/** An open database (the same type whichever major is loaded). */
export type Database = BetterSqlite3.Database;
/** A prepared statement. */
export type Statement = BetterSqlite3.Statement;
/** The installed version of the driver in use, e.g. "13.2.0": for tests and diagnostics. */
export function driverVersion(): string {
  return (require(`${driverPackage()}/package.json`) as { version: string }).version;
}
