import { parseRuleFile, type ThresholdSpec } from '@bulwark/rules';
import type { SecurityEvent } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';
import { seeded } from '../../../bench/lib/random.js';
import type { EventRef, Observation, Verdict } from '../src/detectors/detector.js';
import { ThresholdDetector } from '../src/detectors/threshold.js';
import { compileFilter } from '../src/filter.js';
import { KeySpace } from '../src/state/key-space.js';

function detectorOf(threshold: number, window: string): ThresholdDetector {
  const spec = parseRuleFile(
    `- name: r\n  kind: brute_force\n  type: threshold\n  group_by: [source.ip]\n  window: ${window}\n  threshold: ${threshold}\n`,
    'r.yaml',
  ).rules[0] as ThresholdSpec;
  return new ThresholdDetector(
    { spec, filter: compileFilter(spec.filter), summaryFields: [], escalation: [] },
    new KeySpace(),
  );
}

/**
 * What a key holds, worked out plainly: its events in time order (a later one after an equal time),
 * those before the latest's window dropped, all of them gone once they reach the bar.
 */
class Reference {
  held: EventRef[] = [];

  constructor(
    private readonly threshold: number,
    private readonly window: number,
  ) {}

  observe(ref: EventRef): EventRef[] | null {
    let at = this.held.length;
    while (at > 0 && (this.held[at - 1] as EventRef).t > ref.t) at -= 1;
    const all = [...this.held.slice(0, at), ref, ...this.held.slice(at)];
    const cutoff = (all[all.length - 1] as EventRef).t - this.window;
    const kept = all.filter((event) => event.t >= cutoff);
    if (kept.length >= this.threshold) {
      this.held = [];
      return kept;
    }
    this.held = kept;
    return null;
  }
}

describe('ThresholdDetector', () => {
  it('holds and fires as a plain merge of events does, in order or not', () => {
    for (const [threshold, window] of [
      [5, '10m'],
      [12, '6h'],
      [3, '1m'],
      [8, '30s'],
    ] as const) {
      const detector = detectorOf(threshold, window);
      const windowMs = (detector.rule.spec as ThresholdSpec).window;
      const random = seeded(threshold);
      const keys = ['192.0.2.1', '192.0.2.2', '192.0.2.3', 'not-an-address'];
      const space = (detector as unknown as { space: KeySpace }).space;
      const references = keys.map(() => new Reference(threshold, windowMs));
      let now = Date.UTC(2026, 10, 21);
      for (let i = 0; i < 4000; i += 1) {
        // Mostly forward in time by up to a fifth of the window, now and then a step back.
        now += Math.floor(random() * windowMs * 0.2);
        const t = random() < 0.1 ? now - Math.floor(random() * windowMs * 0.5) : now;
        const k = Math.floor(random() * keys.length);
        const ref = { t, id: `e${i}` };
        // Interned per event, as the engine does: a key no row holds is let go at the next.
        const id = space.intern(keys[k] as string);
        const observation: Observation = {
          event: { 'event.id': ref.id } as SecurityEvent,
          t,
          key: keys[k] as string,
          id,
          tick: i,
          ref: () => ref,
        };
        const verdict: Verdict = detector.observe(observation, false);
        const fired = (references[k] as Reference).observe(ref);
        if (fired === null) expect(verdict, `event ${i}`).toBeNull();
        else
          expect(verdict, `event ${i}`).toEqual({
            first: (fired[0] as EventRef).t,
            last: (fired[fired.length - 1] as EventRef).t,
            events: fired.slice(-5),
            count: fired.length,
          });
        // What the row holds: each event's time, and the ids of the latest five (text, three zeros).
        const held = (references[k] as Reference).held;
        const want: (number | string)[] = [];
        held.forEach((event, j) => {
          want.push(event.t, ...(j >= held.length - 5 ? [event.id, 0, 0, 0] : [0, 0, 0, 0]));
        });
        expect((detector.exportKey(id) ?? []).slice(2), `event ${i}`).toEqual(want);
      }
    }
  });
});
