export { type ClassifyInput, type ClassifyOptions, classify } from './classify.js';
export { normaliseAddress } from './ip.js';
export { parseOffsetMinutes } from './time.js';
