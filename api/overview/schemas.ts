// TypeBox schemas of the overview routes: the OpenAPI document and the serializers.
import Type, { type Static } from 'typebox';
import { DEFAULT_FROM, DEFAULT_TO, MAX_FILTER_VALUES, OVERVIEW_PAGES } from './pages.ts';

const TIME_TEXT = 'now, now-<n>m|h|d, epoch milliseconds or ISO-8601 with an offset';
// One value, several comma-separated, or the parameter repeated (team=a&team=b): the
// parser (query.ts) takes all three, so the schema must not refuse the repeated form.
const filterText = Type.String({ maxLength: 2048 });
const filter = (what: string) =>
  Type.Optional(
    Type.Union([filterText, Type.Array(filterText, { maxItems: MAX_FILTER_VALUES })], {
      description: `${what}: one value or several, comma-separated or repeated (at most ${MAX_FILTER_VALUES}); letters, digits, spaces and _ . ( ) - only. Absent means All.`,
    }),
  );

export const OverviewParams = Type.Object({
  page: Type.Union(
    OVERVIEW_PAGES.map((p) => Type.Literal(p)),
    { description: OVERVIEW_PAGES.join(' | ') },
  ),
});

const range = {
  from: Type.Optional(Type.String({ maxLength: 64, description: `Range start (${TIME_TEXT}); default ${DEFAULT_FROM}` })),
  to: Type.Optional(Type.String({ maxLength: 64, description: `Range end (${TIME_TEXT}); default ${DEFAULT_TO}` })),
};

export const OverviewQuerystring = Type.Object({
  ...range,
  tenant: filter('Tenants'),
  team: filter('Teams'),
  priority: filter('Priorities'),
  channel: filter('Channels'),
});

export const RangeQuerystring = Type.Object(range);

const RangeSchema = Type.Object({
  from: Type.String({ description: 'ISO-8601, UTC' }),
  to: Type.String({ description: 'ISO-8601, UTC' }),
  interval_ms: Type.Integer({ description: 'time bucket size used by the time-series panels' }),
});

const FiltersSchema = Type.Object({
  tenant: Type.Optional(Type.Array(Type.String())),
  team: Type.Optional(Type.Array(Type.String())),
  priority: Type.Optional(Type.Array(Type.String())),
  channel: Type.Optional(Type.Array(Type.String())),
});

export const PanelResultSchema = Type.Object({
  key: Type.String({ description: 'the name the overview page uses for this panel' }),
  dashboard: Type.String({ description: 'Grafana dashboard uid' }),
  title: Type.String({ description: 'panel title in that dashboard' }),
  question: Type.String(),
  status: Type.String({ description: 'ok | pending (its table does not exist yet) | error' }),
  columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
  rows: Type.Array(Type.Array(Type.Unknown()), { description: 'one array per row, values in column order' }),
  truncated: Type.Boolean(),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
});

export const OverviewResponse = Type.Object({
  page: Type.String(),
  generated_at: Type.String({ description: 'ISO-8601, UTC: when the panels ran' }),
  range: RangeSchema,
  filters: FiltersSchema,
  panels: Type.Array(PanelResultSchema),
});
export type OverviewResponseBody = Static<typeof OverviewResponse>;

export const FilterOptionsResponse = Type.Object({
  range: RangeSchema,
  tenant: Type.Array(Type.String()),
  team: Type.Array(Type.String()),
  priority: Type.Array(Type.String()),
  channel: Type.Array(Type.String()),
});

export const SessionResponse = Type.Object({
  open: Type.Boolean({ description: 'true when the API runs without keys (loopback demo mode)' }),
  key_id: Type.Union([Type.String(), Type.Null()]),
  scopes: Type.Array(Type.String()),
  alerts: Type.Boolean({ description: 'whether this process serves /v1/alerts' }),
});
