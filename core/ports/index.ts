// Interfaces the API depends on instead of importing the modules that implement them.
export * from './alerts.ts';
export * from './routing.ts';
