export { type BodyFormat, type LineError, type LineInput, type ParsedBody, parseBody } from './body.js';
export { type HttpReceiverOptions, httpReceiver } from './http-receiver.js';
