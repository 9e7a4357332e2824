import { describe, expect, it } from 'vitest';
import { seeded } from '../../../bench/lib/random.js';
import { eventTime } from '../src/event-time.js';
import { AddressTable } from '../src/state/address-table.js';
import { EventIds, loadId, saveId } from '../src/state/event-ids.js';
import { ipv4Number, ipv4Text } from '../src/state/ipv4.js';
import { KeySpace } from '../src/state/key-space.js';
import { RowSet } from '../src/state/row-set.js';
import { SnapshotParts } from '../src/state/snapshot-parts.js';
import { valueKey } from '../src/state/value-key.js';

describe('ipv4Number', () => {
  it('reads canonical dotted quads and nothing else', () => {
    expect(ipv4Number('0.0.0.0')).toBe(0);
    expect(ipv4Number('255.255.255.255')).toBe(4_294_967_295);
    expect(ipv4Number('203.0.113.5')).toBe(((203 * 256 + 0) * 256 + 113) * 256 + 5);
    for (const text of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '01.2.3.4',
      '1.2.3.256',
      '1..3.4',
      '1.2.3.4 ',
      '::1',
      'a.b.c.d',
      '1.2.3.-4',
    ]) {
      expect(ipv4Number(text), text).toBe(-1);
    }
  });

  it('gives back the same text', () => {
    const random = seeded(1);
    for (let i = 0; i < 1000; i += 1) {
      const text = [0, 0, 0, 0].map(() => Math.floor(random() * 256)).join('.');
      expect(ipv4Text(ipv4Number(text))).toBe(text);
    }
  });
});

describe('AddressTable', () => {
  it('agrees with a Map through inserts and deletes, across resizes', () => {
    const table = new AddressTable();
    const truth = new Map<number, number>();
    const random = seeded(2);
    let next = 0;
    for (let step = 0; step < 50_000; step += 1) {
      // A small range, so that probe runs collide and deletes shift entries back.
      const address = Math.floor(random() * 20_000) * 65_537;
      const held = truth.get(address);
      if (held === undefined) {
        table.set(address >>> 0, next);
        truth.set(address, next);
        next += 1;
      } else if (random() < 0.6) {
        table.delete(address >>> 0);
        truth.delete(address);
      }
    }
    expect(table.size).toBe(truth.size);
    for (let candidate = 0; candidate < 20_000; candidate += 1) {
      const address = candidate * 65_537;
      expect(table.get(address >>> 0)).toBe(truth.get(address) ?? -1);
    }
  });
});

describe('KeySpace', () => {
  it('frees a key once no rule holds it and no incident is open for it, and reuses its id', () => {
    const space = new KeySpace();
    const column = space.register();
    const a = space.intern('203.0.113.1');
    space.setRow(a, column, 0);
    const b = space.intern('alice');
    expect(space.keyOf(a)).toBe('203.0.113.1');
    expect(space.keyOf(b)).toBe('alice');
    space.settle();
    // Nothing held `alice`: its id went back once another key was interned.
    expect(space.find('alice')).toBe(-1);
    expect(space.find('203.0.113.1')).toBe(a);
    space.openEpisode(a);
    space.clearRow(a, column);
    expect(space.find('203.0.113.1')).toBe(a);
    space.closeEpisode(a);
    expect(space.find('203.0.113.1')).toBe(-1);
    expect(space.size).toBe(0);
    const c = space.intern('198.51.100.7');
    expect([a, b]).toContain(c);
  });

  it('keeps every key apart through many ids and records', () => {
    const space = new KeySpace();
    const column = space.register();
    const ids = new Map<string, number>();
    for (let i = 0; i < 5000; i += 1) {
      const key = i % 2 === 0 ? `10.0.${i >> 8}.${i & 255}` : `user${i}`;
      const id = space.intern(key);
      space.setRow(id, column, i);
      ids.set(key, id);
    }
    for (const [key, id] of ids) {
      expect(space.find(key)).toBe(id);
      expect(space.keyOf(id)).toBe(key);
      expect(space.row(id, column)).toBeGreaterThanOrEqual(0);
    }
  });

  it('keeps rows and counts when rules are added past the room of its records', () => {
    const space = new KeySpace();
    const first = [space.register(), space.register()];
    const ids = Array.from({ length: 3000 }, (_, i) => {
      const id = space.intern(`10.1.${i >> 8}.${i & 255}`);
      space.setRow(id, first[i % 2] as number, i);
      if (i % 3 === 0) space.openEpisode(id);
      return id;
    });
    space.settle();
    // Eighteen more rules: the records widen, more than once.
    const more = Array.from({ length: 18 }, () => space.register());
    ids.forEach((id, i) => {
      space.setRow(id, more[i % 18] as number, i + 1);
    });
    ids.forEach((id, i) => {
      expect(space.keyOf(id)).toBe(`10.1.${i >> 8}.${i & 255}`);
      expect(space.row(id, first[i % 2] as number)).toBe(i);
      expect(space.row(id, first[(i + 1) % 2] as number)).toBe(-1);
      expect(space.row(id, more[i % 18] as number)).toBe(i + 1);
      expect(space.row(id, more[(i + 1) % 18] as number)).toBe(-1);
      expect(space.mayBeOpen(id)).toBe(i % 3 === 0);
    });
  });
});

describe('RowSet', () => {
  it('frees idle rows on sweep, and their keys with them, and spares recent ones', () => {
    const space = new KeySpace();
    const rows = new RowSet(space, 4);
    for (let i = 0; i < 2000; i += 1) rows.create(space.intern(`10.1.${i >> 8}.${i & 255}`), i, i);
    space.settle();
    expect(rows.size).toBe(2000);
    rows.sweep(1500, 1800);
    // Touched before 1500 and not after tick 1800: the first 1500 go.
    expect(rows.size).toBe(500);
    expect(space.size).toBe(500);
    expect(space.find('10.1.0.1')).toBe(-1);
    expect(space.find('10.1.7.207')).toBeGreaterThanOrEqual(0);
  });

  it('frees a row stamped back to an earlier time on the next sweep past it', () => {
    const space = new KeySpace();
    const rows = new RowSet(space, 4);
    const old = rows.create(space.intern('10.0.0.1'), 1000, 1);
    rows.create(space.intern('10.0.0.2'), 1000, 2);
    space.settle();
    rows.sweep(900, 0);
    expect(rows.size).toBe(2);
    rows.stamp(old, 100, 0);
    rows.sweep(900, 0);
    expect(rows.size).toBe(1);
    expect(space.find('10.0.0.1')).toBe(-1);
    rows.sweep(1001, 10);
    expect(rows.size).toBe(0);
  });

  it('comes back from a snapshot under the ids of the space it is restored to', () => {
    const space = new KeySpace();
    const rows = new RowSet<number[]>(space, 5);
    const keys = ['203.0.113.9', 'alice', '198.51.100.1', 'bob'];
    for (const [i, key] of keys.entries()) {
      const row = rows.create(space.intern(key), 1000 + i, i);
      const base = rows.select(row);
      rows.numbers[base + 3] = i * 10;
      rows.objects.set(row, [i]);
    }
    space.settle();
    const parts = new SnapshotParts();
    const dump = { keys: space.dump(parts), rows: rows.dump(parts) };

    const other = new KeySpace();
    // Keys already there take other ids than in the dump.
    other.intern('bob');
    other.intern('198.51.100.1');
    const remap = other.restoreKeys(dump.keys, parts);
    const restored = new RowSet<number[]>(other, 5);
    expect(restored.restore(dump.rows, parts, remap)).toBe(true);
    other.releaseUnused();
    for (const [i, key] of keys.entries()) {
      const row = restored.row(other.find(key));
      const base = restored.select(row);
      expect(restored.numbers[base + 3], key).toBe(i * 10);
      expect(restored.objects.get(row), key).toEqual([i]);
    }
    expect(restored.size).toBe(4);
    expect(new RowSet(new KeySpace(), 6).restore(dump.rows, parts, remap)).toBe(false);
  });
});

describe('EventIds', () => {
  const ids = new EventIds();
  const words = new Uint32Array(64);

  it('keeps UUIDs, replay ids and any other id exactly', () => {
    const samples = [
      '019a9f3c-1d2e-7abc-8def-0123456789ab',
      'ffffffff-ffff-7fff-bfff-ffffffffffff',
      '00000000-0000-1000-8000-000000000000',
      'rp_0123456789abcdef01234567',
      'e17',
      '019A9F3C-1D2E-7ABC-8DEF-0123456789AB',
      '00000000-0000-0000-0000-000000000000',
    ];
    samples.forEach((id, i) => {
      ids.write(words, i * 4, id);
    });
    samples.forEach((id, i) => {
      expect(ids.read(words, i * 4)).toBe(id);
    });
  });

  it('survives a trip through the persisted form', () => {
    const saved: (number | string)[] = [];
    ids.write(words, 0, '019a9f3c-1d2e-7abc-8def-0123456789ab');
    ids.write(words, 4, 'hand-made');
    saveId(ids, words, 0, saved);
    saveId(ids, words, 4, saved);
    const other = new Uint32Array(8);
    const fresh = new EventIds();
    loadId(fresh, other, 0, JSON.parse(JSON.stringify(saved)), 0);
    loadId(fresh, other, 4, JSON.parse(JSON.stringify(saved)), 4);
    expect(fresh.read(other, 0)).toBe('019a9f3c-1d2e-7abc-8def-0123456789ab');
    expect(fresh.read(other, 4)).toBe('hand-made');
  });
});

describe('eventTime', () => {
  it('agrees with Date.parse, on the common form and off it', () => {
    const random = seeded(3);
    const texts: string[] = [];
    for (let i = 0; i < 5000; i += 1) {
      texts.push(new Date(Math.floor(random() * 4_102_444_800_000)).toISOString());
    }
    texts.push(
      '2026-02-29T00:00:00.000Z',
      '2024-02-29T23:59:59.999Z',
      '2026-04-31T10:00:00.000Z',
      '2026-13-01T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01T23:60:00.000Z',
      '2026-01-01T23:59:60.000Z',
      '0050-01-01T00:00:00.000Z',
      '2026-11-21T10:00:00Z',
      '2026-11-21T10:00:00.000+02:00',
      '2026-11-21 10:00:00',
      'not a time',
      '2026-1x-21T10:00:00.000Z',
    );
    for (const text of texts) {
      const want = Date.parse(text);
      const got = eventTime(text);
      if (Number.isNaN(want)) expect(got, text).toBeNaN();
      else expect(got, text).toBe(want);
    }
  });

  it('agrees with Date.parse for times in the minute of the one before, and for near misses of it', () => {
    const start = Date.UTC(2026, 10, 21, 10, 0, 0);
    const texts: string[] = [];
    for (let ms = 0; ms < 150_000; ms += 997) texts.push(new Date(start + ms).toISOString());
    const minute = '2026-11-21T10:01:';
    texts.push(
      `${minute}07.123Z`,
      `${minute}60.000Z`,
      `${minute}6a.000Z`,
      `${minute}0:.000Z`,
      `${minute}07.12/Z`,
      `${minute}07,123Z`,
      `${minute}07.123z`,
      `${minute}07.1234`,
      '2026-11-21T10:02:07.123Z',
      '1970-01-01T00:00:00.001Z',
      '1970-01-01T00:00:59.999Z',
    );
    for (const text of texts) {
      eventTime(`${minute}00.000Z`);
      const want = Date.parse(text);
      const got = eventTime(text);
      if (Number.isNaN(want)) expect(got, text).toBeNaN();
      else expect(got, text).toBe(want);
    }
  });
});

describe('valueKey', () => {
  it('gives addresses their number, and other text a number of its own', () => {
    expect(valueKey('203.0.113.5')).toBe(ipv4Number('203.0.113.5'));
    const seen = new Map<number, string>();
    for (let i = 0; i < 20_000; i += 1) {
      const text = `user-${i}`;
      const key = valueKey(text);
      expect(key).toBeGreaterThan(2 ** 52 - 1);
      expect(Number.isSafeInteger(key)).toBe(true);
      expect(seen.get(key), `${text} and ${seen.get(key)}`).toBeUndefined();
      seen.set(key, text);
    }
    expect(valueKey('alice')).toBe(valueKey('alice'));
  });
});
