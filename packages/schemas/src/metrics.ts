/**
 * One metric value, named per the convention `bulwark_<name>_<unit>_total` for counters, with a
 * `stage` label (and others where they apply). Every stage reports its own; `/metrics` renders them.
 */
export interface MetricSample {
  name: string;
  type: 'counter' | 'gauge';
  labels: Record<string, string>;
  value: number;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** The Prometheus text exposition format (0.0.4) of the samples, one `# TYPE` line per metric name. */
export function renderPrometheus(samples: readonly MetricSample[]): string {
  const byName = new Map<string, MetricSample[]>();
  for (const sample of samples) {
    const list = byName.get(sample.name) ?? [];
    list.push(sample);
    byName.set(sample.name, list);
  }
  const lines: string[] = [];
  for (const [name, list] of byName) {
    lines.push(`# TYPE ${name} ${(list[0] as MetricSample).type}`);
    for (const sample of list) {
      const labels = Object.entries(sample.labels)
        .map(([key, value]) => `${key}="${escapeLabel(value)}"`)
        .join(',');
      lines.push(`${name}${labels ? `{${labels}}` : ''} ${Number.isFinite(sample.value) ? sample.value : 0}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
