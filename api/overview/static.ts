// The overview page's static shell: index.html at `/`, the bundled script and styles
// under /overview/. Public, so a browser can load the page before it has a key (the
// data routes still need one); everything comes from this origin, nothing from a CDN.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import { TicketPulseError } from '../../core/errors.ts';

export const PUBLIC_DIR = new URL('./public/', import.meta.url);

interface Asset {
  route: string;
  file: string;
  type: string;
}

export const ASSETS: readonly Asset[] = [
  { route: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { route: '/overview/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
  { route: '/overview/app.css', file: 'app.css', type: 'text/css; charset=utf-8' },
];

export const overviewStaticRoutes: FastifyPluginAsync = async (app) => {
  for (const asset of ASSETS) {
    const url = new URL(asset.file, PUBLIC_DIR);
    // Read once: the files are small and only change with a rebuild (npm run build:web) and a restart.
    const body = existsSync(url) ? readFileSync(url) : null;
    const etag = body ? `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` : '';
    app.get(asset.route, { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
      if (!body) throw new TicketPulseError('not_found', `the overview page is not built: run npm run build:web (missing ${asset.file})`);
      // Revalidate every time: a new build is picked up at once, an unchanged file costs a 304.
      reply.header('cache-control', 'no-cache').header('etag', etag).type(asset.type);
      if (request.headers['if-none-match'] === etag) return reply.status(304).send();
      return reply.send(body);
    });
  }
};
