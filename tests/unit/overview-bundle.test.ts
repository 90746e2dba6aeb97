// The overview page's committed bundle (api/overview/public/) is what the sources
// build to now, and it needs nothing from outside this origin (the page must work
// offline). Same idea as tests/unit/dashboards-generate.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildWeb, staleFiles } from '../../api/overview/build.ts';
import { ASSETS, PUBLIC_DIR } from '../../api/overview/index.ts';

describe('api/overview/public', () => {
  it('is up to date with api/overview/web (npm run build:web)', async () => {
    expect(await staleFiles(), 'run `npm run build:web` and commit api/overview/public').toEqual([]);
  }, 60_000);

  it('builds the same bytes twice (deterministic)', async () => {
    const [a, b] = await Promise.all([buildWeb(), buildWeb()]);
    expect([...a.keys()].sort()).toEqual(['app.css', 'app.js', 'index.html']);
    for (const [name, bytes] of a) expect(bytes.equals(b.get(name)!), name).toBe(true);
  }, 60_000);

  it('is every file the API serves', () => {
    expect(ASSETS.map((a) => a.file).sort()).toEqual(['app.css', 'app.js', 'index.html']);
  });

  it('loads nothing from another origin', () => {
    const js = readFileSync(new URL('app.js', PUBLIC_DIR), 'utf8');
    const css = readFileSync(new URL('app.css', PUBLIC_DIR), 'utf8');
    const html = readFileSync(new URL('index.html', PUBLIC_DIR), 'utf8');
    // Absolute URLs in the code are namespaces and the licence notice, never fetched.
    const urls = [...js.matchAll(/https?:\/\/[^\s"'`)]+/g)].map((m) => m[0]);
    expect([...new Set(urls)].sort()).toEqual(['http://www.w3.org/2000/svg', 'https://github.com/leeoniya/uPlot']);
    expect(css).not.toMatch(/url\(\s*['"]?(https?:)?\/\//);
    expect(css).not.toMatch(/@import/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    // uPlot is inside the bundle, not imported at run time.
    expect(js).not.toMatch(/from\s*["']uplot["']|import\(["']/);
    expect(js).toContain('uplot');
  });
});
