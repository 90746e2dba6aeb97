// The overview reads Grafana panels by dashboard uid and title (api/overview/pages.ts).
// Each one must exist in the dashboards as code and declare, in its shape, the columns
// the page reads; the panel-SQL test (tests/integration/dashboards-panels.test.ts)
// proves the SQL returns exactly that shape.
import { describe, expect, it } from 'vitest';
import { PAGE_PANELS, type PanelRef } from '../../api/overview/index.ts';
import { buildAll, type PanelShape } from '../../dashboards/index.ts';

const BUILT = buildAll();

function shapeColumns(shape: PanelShape): string[] {
  switch (shape.kind) {
    case 'table':
      return [...shape.columns];
    case 'timeseries':
      return ['time', ...shape.labels, ...shape.values];
    case 'category':
      return [shape.category, ...shape.values];
    case 'stat':
      return [...shape.values];
  }
}

const refs = Object.entries(PAGE_PANELS).flatMap(([page, list]) => list.map((ref) => [`${page} / ${ref.title}`, ref] as const));

describe('overview panels', () => {
  it.each(refs)('%s is a generated panel that returns the columns the page reads', (_name, ref: PanelRef) => {
    const dashboard = BUILT.find((d) => d.spec.uid === ref.dashboard);
    expect(dashboard, `dashboard ${ref.dashboard} is not generated (no panels yet)`).toBeDefined();
    const panel = dashboard!.panels.find((p) => p.spec.title === ref.title);
    expect(panel, `no panel titled ${JSON.stringify(ref.title)} in ${ref.dashboard}`).toBeDefined();
    expect(shapeColumns(panel!.spec.shape)).toEqual(expect.arrayContaining([...ref.columns]));
  });

  it('has unique keys per page', () => {
    for (const list of Object.values(PAGE_PANELS)) expect(new Set(list.map((r) => r.key)).size).toBe(list.length);
  });
});
