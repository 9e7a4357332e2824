import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Database, driverPackage, driverVersion } from '../src/sqlite/driver.js';

const BUILT_DRIVER = fileURLToPath(new URL('../dist/sqlite/driver.js', import.meta.url));

describe('the better-sqlite3 driver', () => {
  it('is 13 where Node-API 10 exists and 12 below it', () => {
    expect(driverPackage(9)).toBe('better-sqlite3-v12');
    expect(driverPackage(10)).toBe('better-sqlite3');
    expect(driverPackage(11)).toBe('better-sqlite3');
    const major = Number(process.versions.napi) >= 10 ? '13' : '12';
    expect(driverVersion().split('.')[0]).toBe(major);
  });

  it('opens a database and runs statements on this Node', () => {
    const db = new Database(':memory:');
    try {
      db.exec('CREATE TABLE t (a INTEGER)');
      const insert = db.prepare('INSERT INTO t (a) VALUES (?)');
      for (let i = 1; i <= 3; i += 1) insert.run(i);
      expect(db.prepare('SELECT sum(a) AS s FROM t').get()).toEqual({ s: 6 });
    } finally {
      db.close();
    }
  });

  // better-sqlite3 12 on Node 24 aborts the process when the collector destroys a statement outside
  // any JavaScript context; throwaway statements (one per search, pragmas) are exactly that. In a
  // child process, so that an abort fails this test instead of the test runner.
  it('lets throwaway statements be collected while the process goes on', () => {
    const script = `
      const { Database } = await import(${JSON.stringify(BUILT_DRIVER)});
      const db = new Database(':memory:');
      let garbage = [];
      for (let i = 0; i < 2000; i += 1) {
        db.prepare('SELECT ' + i).get();
        garbage.push(new Array(10000).fill(i));
      }
      garbage = null;
      setTimeout(() => { db.close(); console.log('still running'); }, 500);
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(child.stderr).not.toContain('Assertion failed');
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('still running');
  });
});
