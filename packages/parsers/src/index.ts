export { type ClassifyInput, type ClassifyOptions, Classifier, classify } from './classifier.js';
export { parseSyslog } from './envelope/syslog.js';
export { parseOffsetMinutes } from './time.js';
export type * from './types.js';
