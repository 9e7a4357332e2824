export { MemoryBus } from './memory/memory-bus.js';
export type * from './port.js';
