export * from './problem.js';
export * from './registry.js';
