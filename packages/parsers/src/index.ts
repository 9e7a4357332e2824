export type { AppField, AppMapping } from './app/mapping.js';
export { Classifier, type ClassifyInput, type ClassifyOptions, classify } from './classifier.js';
export { parseSyslog } from './envelope/syslog.js';
export { parseOffsetMinutes } from './time.js';
export type * from './types.js';
