export { app } from './app.ts';
export type { AppOptions } from './app.ts';
export { createServer, listen } from './server.ts';
export type { ServerOptions } from './server.ts';
export type { ReadinessCheck } from './routes/health.ts';
export { errorBody } from './error-handler.ts';
