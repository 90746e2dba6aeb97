// The built-in overview page (issue #10): a compact view of SLA, volume, root causes
// and agents for one-machine setups without Grafana, served at `/`. Its numbers come
// from the Grafana panels' own SQL (panels.ts), its charts from a bundled front end
// (web/ → public/, `npm run build:web`).
import type { FastifyPluginAsync } from 'fastify';
import { overviewDataRoutes, type OverviewRouteOptions } from './routes.ts';
import { overviewStaticRoutes } from './static.ts';

export const overviewRoutes: FastifyPluginAsync<OverviewRouteOptions> = async (app, opts) => {
  await app.register(overviewStaticRoutes);
  await app.register(overviewDataRoutes, opts);
};

export { overviewDataRoutes, overviewStaticRoutes };
export type { OverviewRouteOptions };
export { OverviewPanels, analystRunner, variableStates, MAX_ROWS } from './panels.ts';
export type { PanelResult, RunSql } from './panels.ts';
export { parseOverviewQuery, intervalFor } from './query.ts';
export type { OverviewQuery } from './query.ts';
export { OVERVIEW_PAGES, PAGE_PANELS, FILTERS, REFRESH_MS } from './pages.ts';
export type { OverviewPage, PanelRef, FilterName } from './pages.ts';
export { ASSETS, PUBLIC_DIR } from './static.ts';
