import type { Bus } from '@bulwark/bus';
import { Classifier, type ClassifyOptions } from '@bulwark/parsers';
import { type MetricSample, newEventId, type RawLog, type SecurityEvent, Topics } from '@bulwark/schemas';
import type { SequencedEvent, Store } from '@bulwark/store';

/**
 * Classifies raw lines, commits the events to the store, then publishes them to the events topic.
 * Resolves only after the commit: the caller may acknowledge its sender then (HTTP 202, syslog).
 */
export class ClassifyStage {
  /** One classifier for the stream: sshd sessions span batches and senders' requests. */
  private readonly classifier: Classifier;
  /** Events committed, by transport, then dataset, then category: nested, so counting allocates nothing. */
  private readonly counts = new Map<string, Map<string, Map<string, number>>>();

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    options: ClassifyOptions,
  ) {
    this.classifier = new Classifier(options);
  }

  async accept(raws: readonly RawLog[]): Promise<SequencedEvent[]> {
    if (raws.length === 0) return [];
    const events = new Array<SecurityEvent>(raws.length);
    for (let i = 0; i < raws.length; i += 1) {
      const raw = raws[i] as RawLog;
      // The classifier's input named field by field: a spread of the raw log costs more than the rest.
      events[i] = this.classifier.classify({
        line: raw.line,
        received_at: raw.received_at,
        source: raw.source,
        id: newEventId(),
      });
    }
    const stored = await this.store.appendEvents(events);
    this.count(raws, events);
    // Publishing is best effort here: the events are durable, and the rules stage reads the store
    // for anything the bus did not hand it.
    await this.bus.publish(
      Topics.events,
      stored.map((entry) => ({ key: entry.event['source.ip'] ?? '', value: entry })),
    );
    return stored;
  }

  private count(raws: readonly RawLog[], events: readonly SecurityEvent[]): void {
    for (let i = 0; i < events.length; i += 1) {
      const event = events[i] as SecurityEvent;
      const transport = (raws[i] as RawLog).transport;
      let datasets = this.counts.get(transport);
      if (datasets === undefined) {
        datasets = new Map();
        this.counts.set(transport, datasets);
      }
      let categories = datasets.get(event['event.dataset']);
      if (categories === undefined) {
        categories = new Map();
        datasets.set(event['event.dataset'], categories);
      }
      const category = event['bulwark.category'];
      categories.set(category, (categories.get(category) ?? 0) + 1);
    }
  }

  metrics(): MetricSample[] {
    const samples: MetricSample[] = [];
    for (const [transport, datasets] of this.counts) {
      for (const [dataset, categories] of datasets) {
        for (const [category, value] of categories) {
          samples.push({
            name: 'bulwark_classified_events_total',
            type: 'counter',
            labels: { stage: 'classify', transport, dataset, category },
            value,
          });
        }
      }
    }
    return samples;
  }
}
