export {
  type BodyFormat,
  type BodyLimits,
  type LineError,
  type LineInput,
  MAX_REPORTED_ERRORS,
  type ParsedBody,
  parseBody,
} from './body.js';
export { type HttpReceiverOptions, httpReceiver } from './http-receiver.js';
export * from './syslog/index.js';
