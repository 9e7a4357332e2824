import { Duration, IncidentKind, Severity } from '@bulwark/schemas';
import { z } from 'zod';

/**
 * A condition on one event field, written as YAML:
 * - a value (`failed_login`): equal to it; for list fields (`tags`, `bulwark.threat`), contains it;
 * - a list (`[sshd, vsftpd]`): any of them;
 * - `{ not: ... }`, `{ exists: true|false }`, `{ prefix: "..." }`.
 */
const Scalar = z.union([z.string(), z.number(), z.boolean()]);
export const FieldCondition = z.union([
  Scalar,
  z.array(Scalar).min(1),
  z.strictObject({ not: z.union([Scalar, z.array(Scalar).min(1)]) }),
  z.strictObject({ exists: z.boolean() }),
  z.strictObject({ prefix: z.string().min(1) }),
]);
export type FieldCondition = z.infer<typeof FieldCondition>;

/** All conditions must hold. Field names are the flat ECS names of SecurityEvent. */
export const Filter = z.record(z.string().min(1), FieldCondition);
export type Filter = z.infer<typeof Filter>;

/** Who a rule never fires for: addresses (CIDRs or single addresses) and user names. */
export const Allowlist = z.strictObject({
  cidrs: z.array(z.string().min(1)).default([]),
  users: z.array(z.string().min(1)).default([]),
});
export type Allowlist = z.infer<typeof Allowlist>;

/** Count at which an open incident's severity rises: `{ high: 50, critical: 500 }`. */
const Escalation = z.partialRecord(Severity, z.number().int().min(1));

const common = {
  name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _'),
  kind: IncidentKind,
  description: z.string().optional(),
  enabled: z.boolean().default(true),
  filter: Filter.default({}),
  group_by: z.array(z.string().min(1)).min(1).max(3),
  severity: Severity.default('medium'),
  escalate: Escalation.default({}),
  /** The incident's episode ends after this long (event time) with no matching event. */
  quiet: Duration.default(1_800_000),
  /** `{count}`, `{first_seen}`, `{last_seen}`, and any event field in braces (its values seen so far). */
  summary: z.string().min(1).max(300).optional(),
  allow: Allowlist.optional(),
};

export const ThresholdRule = z.strictObject({
  ...common,
  type: z.literal('threshold'),
  threshold: z.number().int().min(1),
  window: Duration,
});

export const DistinctRule = z.strictObject({
  ...common,
  type: z.literal('distinct'),
  /** The field whose distinct values are counted per key. */
  field: z.string().min(1),
  threshold: z.number().int().min(2),
  window: Duration,
  /** A value seen this often in the window is left out: it is an attack of its own, not part of this one. */
  per_value_below: z.number().int().min(1).optional(),
});

export const FirstSeenRule = z.strictObject({
  ...common,
  type: z.literal('first_seen'),
  field: z.string().min(1),
  /** No alerts until the rule has watched this much event time: a fresh install learns first. */
  learning: Duration.default(86_400_000),
  /** A value already seen for this many other keys is known (an office NAT shared by everyone). */
  known_if_shared_by: z.number().int().min(2).optional(),
  /** Values not seen for this long are forgotten. */
  remember: Duration.default(90 * 86_400_000),
  /** Most values kept per key (the oldest go first). */
  max_values: z.number().int().min(1).max(1000).default(50),
});

const SequenceStep = z.union([
  z.strictObject({ filter: Filter, count: z.number().int().min(1).default(1) }),
  /** An incident of this kind, open for the same key. */
  z.strictObject({ incident: IncidentKind }),
]);
export type SequenceStep = z.infer<typeof SequenceStep>;

export const SequenceRule = z.strictObject({
  ...common,
  type: z.literal('sequence'),
  /** Steps in order, for the same key; the last must happen within `window` of the first. */
  steps: z.array(SequenceStep).min(2).max(4),
  window: Duration,
});

export const RateRule = z.strictObject({
  ...common,
  type: z.literal('rate'),
  /** Length of the buckets the rate is measured over. */
  bucket: Duration.default(10_000),
  /** Events per second, averaged over a bucket, that are too many whatever the key's habits. */
  absolute: z.number().positive(),
  /** Times the key's own normal rate that is too many... */
  relative: z.number().min(2).optional(),
  /** ...when also above this many events per second. */
  floor: z.number().positive().default(5),
});

export const RuleSpec = z.discriminatedUnion('type', [
  ThresholdRule,
  DistinctRule,
  FirstSeenRule,
  SequenceRule,
  RateRule,
]);
export type RuleSpec = z.infer<typeof RuleSpec>;
export type ThresholdSpec = z.infer<typeof ThresholdRule>;
export type DistinctSpec = z.infer<typeof DistinctRule>;
export type FirstSeenSpec = z.infer<typeof FirstSeenRule>;
export type SequenceSpec = z.infer<typeof SequenceRule>;
export type RateSpec = z.infer<typeof RateRule>;

/** A rule file is a list of rules, or `{ rules: [...] }` with an optional global allowlist. */
export const RuleList = z.array(RuleSpec);
export const RuleFileObject = z.strictObject({ allow: Allowlist.optional(), rules: RuleList });
