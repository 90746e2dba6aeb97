export { app, apiConfig } from './app.ts';
export type { AppOptions } from './app.ts';
export { createServer, listen, shutdown } from './server.ts';
export type { ServerOptions } from './server.ts';
export type { ReadinessCheck } from './routes/health.ts';
export { errorBody } from './error-handler.ts';
export { KeyStore, generateApiKey, hashSecret } from './auth/index.ts';
export type { Principal } from './auth/index.ts';
export { withRouteConfig } from './auth/index.ts';
