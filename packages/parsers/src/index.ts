export type { AppField, AppMapping } from './app/mapping.js';
export { Classifier, type ClassifyInput, type ClassifyOptions, classify } from './classifier.js';
export { parseSyslog } from './envelope/syslog.js';
export type * from './types.js';
export { fixedZone, ianaZone, parseZone, type TimeZone, UTC } from './zone.js';
