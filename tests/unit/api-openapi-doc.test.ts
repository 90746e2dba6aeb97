import { describe, expect, it } from 'vitest';
import { buildSpec, renderReference, spliceReference } from '../../api/openapi-doc.ts';

describe('docs/api.md route reference', () => {
  it('renders every documented operation with its scope', async () => {
    const spec = await buildSpec();
    const md = renderReference(spec);
    for (const path of Object.keys(spec.paths)) expect(md).toContain(`\`${path}\``);
    expect(md).toContain('| POST | `/v1/sql` | sql |');
    expect(md).toContain('| GET | `/healthz` | public |');
    expect(md).toContain('**400** `application/json` ErrorResponse');
  });

  it('replaces only the generated section', () => {
    const doc = 'intro\n<!-- BEGIN GENERATED: npm run docs:api -->\nold\n<!-- END GENERATED -->\noutro\n';
    expect(spliceReference(doc, 'new')).toBe('intro\n<!-- BEGIN GENERATED: npm run docs:api -->\n\nnew\n\n<!-- END GENERATED -->\noutro\n');
    expect(() => spliceReference('no markers', 'x')).toThrow(/markers/);
  });
});
