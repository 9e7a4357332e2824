import type { Bus } from '@bulwark/bus';
import { Classifier, type ClassifyOptions } from '@bulwark/parsers';
import { type MetricSample, newEventId, type RawLog, Topics } from '@bulwark/schemas';
import type { SequencedEvent, Store } from '@bulwark/store';

/**
 * Classifies raw lines, commits the events to the store, then publishes them to the events topic.
 * Resolves only after the commit: the caller may acknowledge its sender then (HTTP 202, syslog).
 */
export class ClassifyStage {
  /** One classifier for the stream: sshd sessions span batches and senders' requests. */
  private readonly classifier: Classifier;
  /** Events committed, by transport, dataset and category. */
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    options: ClassifyOptions,
  ) {
    this.classifier = new Classifier(options);
  }

  async accept(raws: readonly RawLog[]): Promise<SequencedEvent[]> {
    if (raws.length === 0) return [];
    const events = raws.map((raw) => this.classifier.classify({ ...raw, id: newEventId() }));
    const stored = await this.store.appendEvents(events);
    for (let i = 0; i < events.length; i += 1) {
      const event = events[i] as (typeof events)[number];
      const key = `${(raws[i] as RawLog).transport}\u0000${event['event.dataset']}\u0000${event['bulwark.category']}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    }
    // Publishing is best effort here: the events are durable, and the rules stage reads the store
    // for anything the bus did not hand it.
    await this.bus.publish(
      Topics.events,
      stored.map((entry) => ({ key: entry.event['source.ip'] ?? '', value: entry })),
    );
    return stored;
  }

  metrics(): MetricSample[] {
    return [...this.counts].map(([key, value]) => {
      const [transport = '', dataset = '', category = ''] = key.split('\u0000');
      return {
        name: 'bulwark_classified_events_total',
        type: 'counter',
        labels: { stage: 'classify', transport, dataset, category },
        value,
      };
    });
  }
}
