// Authentication and scopes for every route of the app. A route says what it needs
// in its options, and this plugin's onRequest hook enforces it:
//
//   app.get('/v1/things', { config: { scope: 'read' } }, handler)
//   app.get('/healthz', { config: { public: true } }, handler)
//
// A route that declares neither needs `read`. Without configured keys the API runs
// open (every request gets every scope) and refuses to listen beyond loopback.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { API_SCOPES, type ApiKeyEntry, type ApiScope } from '../../core/config/index.ts';
import { TicketPulseError } from '../../core/errors.ts';
import { KeyStore, presentedKey, type Principal } from './api-keys.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The API key scope this route needs (default `read`). */
    scope?: ApiScope;
    /** No key needed (health checks, the OpenAPI document). */
    public?: boolean;
  }
  interface FastifyRequest {
    /** Who made the request; null on public routes. */
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** True when no API keys are configured. */
    authOpen: boolean;
  }
}

export interface AuthOptions {
  keys: readonly ApiKeyEntry[];
}

export const DEFAULT_SCOPE: ApiScope = 'read';
const OPEN: Principal = { keyId: 'open', scopes: new Set(API_SCOPES), open: true };

const authPlugin: FastifyPluginAsync<AuthOptions> = async (app, opts) => {
  const store = new KeyStore(opts.keys);
  app.decorate('authOpen', store.size === 0);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request) => {
    const config = request.routeOptions.config ?? {};
    if (config.public) return;
    request.principal = authenticate(request, store);
    const need = config.scope ?? DEFAULT_SCOPE;
    if (!request.principal.scopes.has(need)) {
      throw new TicketPulseError('forbidden', `this route needs an API key with the '${need}' scope; this key has: ${[...request.principal.scopes].join(', ')}`, {
        details: { scope: need },
      });
    }
  });
};

function authenticate(request: FastifyRequest, store: KeyStore): Principal {
  if (store.size === 0) return OPEN;
  const presented = presentedKey(request.headers);
  if (!presented) {
    throw new TicketPulseError('unauthorized', 'an API key is required: send "Authorization: Bearer <key>"', { details: { challenge: true } });
  }
  const principal = store.verify(presented);
  // One answer for unknown, revoked, expired and malformed keys: nothing to probe.
  if (!principal) throw new TicketPulseError('unauthorized', 'the API key is not valid (unknown, revoked or expired)', { details: { challenge: true } });
  return principal;
}

export default fp(authPlugin, { name: 'ticketpulse-auth', fastify: '5.x' });
export { authPlugin };
