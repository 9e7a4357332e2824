export { MemoryBus, type MemoryBusOptions } from './memory/memory-bus.js';
export type * from './port.js';
