import { BulwarkError, type ErrorSpec, Errors } from '@bulwark/errors';

/** A call of a Store method, sent to the store's worker. */
export interface Call {
  id: number;
  method: string;
  args: unknown[];
  /** For an ordered method: how many of its calls the sender had heard fail (see store-worker). */
  failuresSeen?: number;
}

/**
 * Writes that must commit in the order sent, even across a failure: the events (`appendEvents`),
 * and the rules' commits (`commitEvaluation`, several of which may be in flight). They are sent as
 * SqliteStore's synchronous counterparts, so that the worker knows at once when one fails.
 */
export const ORDERED = ['appendRows', 'applyEvaluation'] as const;
export type OrderedMethod = (typeof ORDERED)[number];

export function isOrdered(method: string): method is OrderedMethod {
  return (ORDERED as readonly string[]).includes(method);
}

/**
 * Reads the worker runs as soon as it can, ahead of the writes that arrived with them, and answers
 * at once instead of after the group's commit: a consumer catching up (`eventsAfter`) asks for events
 * that were committed before it asked, and under a flood, queued behind the appends, each of its
 * reads waited for one or two big transactions.
 */
export const EARLY = ['eventsAfter'] as const;

export function isEarly(method: string): boolean {
  return (EARLY as readonly string[]).includes(method);
}

/** The worker's answer to a call, sent after the work is done (for writes: committed). */
export type Reply =
  | { id: number; ok: true; value: unknown }
  /** `failures`: on a failed ordered call, how many calls of its method have failed so far. */
  | { id: number; ok: false; error: WireError; failures?: number };

/** An error as it crosses threads: a BulwarkError keeps its code, so callers still see what is retryable. */
export interface WireError {
  message: string;
  name: string;
  stack?: string;
  code?: string;
  detail?: string;
  extensions?: Record<string, unknown>;
}

export function toWire(error: unknown): WireError {
  if (error instanceof BulwarkError) {
    return {
      name: error.name,
      message: error.message,
      ...(error.stack === undefined ? {} : { stack: error.stack }),
      code: error.code,
      detail: error.detail,
      extensions: { ...error.extensions },
    };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  return {
    name: e.name,
    message: e.message,
    ...(e.stack === undefined ? {} : { stack: e.stack }),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

const SPECS = new Map<string, ErrorSpec>(Object.values(Errors).map((spec) => [spec.code, spec]));

export function fromWire(wire: WireError): Error {
  const spec = wire.detail === undefined || wire.code === undefined ? undefined : SPECS.get(wire.code);
  const error = spec
    ? new BulwarkError(spec, wire.detail, wire.extensions ?? {})
    : Object.assign(new Error(wire.message), wire.code === undefined ? {} : { code: wire.code });
  if (!spec) error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  return error;
}
