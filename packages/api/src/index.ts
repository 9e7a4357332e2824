export { type AuthHook, type AuthOptions, auth, type KnownKey, type Principal, type Scope } from './auth.js';
export { type HealthOptions, health } from './health.js';
export { problems } from './problems.js';
export { type ApiOptions, apiRoutes } from './routes.js';
