import { type DeliveredMessage, MemoryBus } from '@bulwark/bus';
import { describe, expect, it } from 'vitest';

describe('MemoryBus', () => {
  it('delivers every message to every group, in publish order', async () => {
    const bus = new MemoryBus();
    const a: number[] = [];
    const b: number[] = [];
    bus.subscribe<number>('t', 'a', async (batch) => {
      a.push(...batch.map((m) => m.value));
    });
    bus.subscribe<number>('t', 'b', async (batch) => {
      b.push(...batch.map((m) => m.value));
    });
    await bus.publish('t', [{ value: 1 }, { value: 2 }]);
    await bus.publish('t', [{ value: 3 }]);
    await bus.drain();
    expect(a).toEqual([1, 2, 3]);
    expect(b).toEqual([1, 2, 3]);
    await bus.close();
  });

  it('redelivers a batch whose handler failed, and holds back later messages until it succeeds', async () => {
    const bus = new MemoryBus();
    const seen: number[][] = [];
    let failures = 2;
    const errors: number[] = [];
    bus.subscribe<number>(
      't',
      'g',
      async (batch: DeliveredMessage<number>[]) => {
        seen.push(batch.map((m) => m.value));
        if (failures > 0) {
          failures -= 1;
          throw new Error('not now');
        }
      },
      { maxBatch: 2, onError: (_error, attempt) => errors.push(attempt) },
    );
    await bus.publish('t', [{ value: 1 }, { value: 2 }, { value: 3 }]);
    await bus.drain();
    expect(seen).toEqual([[1, 2], [1, 2], [1, 2], [3]]);
    expect(errors).toEqual([1, 2]);
    await bus.close();
  });

  it('drains onward publishes made by handlers', async () => {
    const bus = new MemoryBus();
    const final: string[] = [];
    bus.subscribe<string>('first', 'g', async (batch) => {
      await bus.publish(
        'second',
        batch.map((m) => ({ value: `${m.value}!` })),
      );
    });
    bus.subscribe<string>('second', 'g', async (batch) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      final.push(...batch.map((m) => m.value));
    });
    await bus.publish('first', [{ value: 'x' }]);
    await bus.drain();
    expect(final).toEqual(['x!']);
    await bus.close();
  });

  it('refuses publishes after close', async () => {
    const bus = new MemoryBus();
    await bus.close();
    await expect(bus.publish('t', [{ value: 1 }])).rejects.toThrow(/closed/);
  });

  it('makes publishers wait while a group holds maxQueued messages, and delivers them all in order', async () => {
    const bus = new MemoryBus({ maxQueued: 2000, maxWaitMs: 60_000 });
    const seen: number[] = [];
    let release: () => void = () => undefined;
    let gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    bus.subscribe<number>(
      't',
      'g',
      async (batch) => {
        await gate;
        seen.push(...batch.map((m) => m.value));
      },
      { maxBatch: 300 },
    );
    await bus.publish(
      't',
      Array.from({ length: 1500 }, (_, i) => ({ value: i })),
    );
    let published = false;
    const second = bus.publish(
      't',
      Array.from({ length: 1500 }, (_, i) => ({ value: 1500 + i })),
    );
    void second.then(() => {
      published = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(published).toBe(false); // 3000 held, the consumer stuck on its first batch
    release();
    gate = Promise.resolve();
    await second;
    await bus.drain();
    expect(seen).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    await bus.close();
  });

  it('stops making publishers wait after maxWaitMs when a group does not move', async () => {
    const bus = new MemoryBus({ maxQueued: 5, maxWaitMs: 100 });
    let calls = 0;
    bus.subscribe<number>('t', 'g', async () => {
      calls += 1;
      throw new Error('down');
    });
    const started = Date.now();
    await bus.publish(
      't',
      Array.from({ length: 10 }, (_, i) => ({ value: i })),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(calls).toBeGreaterThan(0);
    await bus.close();
  });
});
