export { type AppDeps, buildApp } from './app.js';
export { main } from './server.js';
export { type RunningService, startStandalone } from './service.js';
export { classifierOptions, createEngine, loadConfiguredRules, rulesAllow } from './wiring.js';
