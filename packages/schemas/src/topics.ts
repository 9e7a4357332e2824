/**
 * Bus topic names. Versioned: a breaking change to a message shape gets a new topic, never a
 * reinterpretation of the old one.
 */
export const Topics = {
  rawLogs: 'bulwark.logs.raw.v1',
  events: 'bulwark.events.v1',
  incidents: 'bulwark.incidents.v1',
  notifications: 'bulwark.notifications.v1',
} as const;
export type Topic = (typeof Topics)[keyof typeof Topics];
