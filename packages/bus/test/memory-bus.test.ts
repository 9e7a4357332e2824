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

  it('tells the handler whether more messages wait behind its batch', async () => {
    const bus = new MemoryBus();
    const seen: [number[], boolean][] = [];
    bus.subscribe<number>(
      't',
      'g',
      async (batch, { more }) => {
        seen.push([batch.map((m) => m.value), more]);
      },
      { maxBatch: 2 },
    );
    await bus.publish('t', [{ value: 1 }, { value: 2 }, { value: 3 }, { value: 4 }, { value: 5 }]);
    await bus.drain();
    await bus.publish('t', [{ value: 6 }, { value: 7 }]);
    await bus.drain();
    expect(seen).toEqual([
      [[1, 2], true],
      [[3, 4], true],
      [[5], false],
      [[6, 7], false],
    ]);
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

  it('lets the oldest waiting messages go past maxQueued, never the batch in hand, and keeps order', async () => {
    const bus = new MemoryBus();
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
      { maxBatch: 300, maxQueued: 2000 },
    );
    await bus.publish(
      't',
      Array.from({ length: 1500 }, (_, i) => ({ value: i })),
    );
    // 3000 waiting with 0-299 in hand: the oldest go, down to the newest 1000 behind the batch in hand.
    await bus.publish(
      't',
      Array.from({ length: 1500 }, (_, i) => ({ value: 1500 + i })),
    );
    release();
    gate = Promise.resolve();
    await bus.drain();
    expect(seen).toEqual([
      ...Array.from({ length: 300 }, (_, i) => i),
      ...Array.from({ length: 1000 }, (_, i) => 2000 + i),
    ]);
    await bus.close();
  });

  it('keeps every message without maxQueued, in order, however many wait', async () => {
    const bus = new MemoryBus();
    const seen: number[] = [];
    bus.subscribe<number>(
      't',
      'g',
      async (batch) => {
        await new Promise((resolve) => setImmediate(resolve));
        seen.push(...batch.map((m) => m.value));
      },
      { maxBatch: 700 },
    );
    for (let b = 0; b < 10; b += 1) {
      await bus.publish(
        't',
        Array.from({ length: 1000 }, (_, i) => ({ value: b * 1000 + i })),
      );
    }
    await bus.drain();
    expect(seen).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    await bus.close();
  });
});
