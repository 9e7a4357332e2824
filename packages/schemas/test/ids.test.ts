import { newEventId } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';

describe('newEventId', () => {
  it('gives UUIDv7s carrying the current time, all different, across refills of the random pool', () => {
    const before = Date.now();
    const ids = Array.from({ length: 5000 }, () => newEventId());
    const after = Date.now();
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(after);
    }
    // The random part is not constant (every hex digit position takes several values).
    for (const position of [15, 16, 20, 30, 35]) {
      expect(new Set(ids.map((id) => id[position])).size).toBeGreaterThan(3);
    }
  });
});
