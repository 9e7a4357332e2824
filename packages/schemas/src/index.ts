export * from './address.js';
export * from './event.js';
export * from './ids.js';
export * from './incident.js';
export * from './notification.js';
export * from './raw-log.js';
export * from './topics.js';
