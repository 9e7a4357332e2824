export { type ClassifyInput, type ClassifyOptions, classify } from './classify.js';
export { parseOffsetMinutes } from './time.js';
