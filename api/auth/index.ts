export { default as auth, DEFAULT_SCOPE } from './auth-plugin.ts';
export type { AuthOptions } from './auth-plugin.ts';
export { KeyStore, generateApiKey, hashSecret, presentedKey } from './api-keys.ts';
export type { Principal, NewKey } from './api-keys.ts';
export { withRouteConfig } from './route-config.ts';
