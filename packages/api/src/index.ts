export { type AuthHook, type AuthOptions, auth, type KnownKey, type Principal, type Scope } from './auth.js';
export { type HealthOptions, health } from './health.js';
export { type MetricsOptions, metricsRoute } from './metrics.js';
export { problems } from './problems.js';
export { type ReportLinkOptions, type ReportLinkReports, reportLink } from './report-link.js';
export { type ApiOptions, apiRoutes } from './routes.js';
