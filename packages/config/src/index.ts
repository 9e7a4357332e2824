export * from './api-keys.js';
export * from './load.js';
export * from './schema.js';
