// The seam between the API and the surge detector: the API lists stored surges
// through this interface, never through processors/surge internals.
import Type, { type Static } from 'typebox';

/** Dimension names: the ticket columns, or a caller-supplied one such as `cluster`. */
export const SURGE_DIMENSION_PATTERN = '^[a-z][a-z0-9_]{0,63}$';

const Time = Type.String({ description: 'ISO-8601, UTC' });

export const SurgeDtoSchema = Type.Object({
  dimension: Type.String({ description: 'category | product | region | channel | tenant | cluster | …' }),
  value: Type.String(),
  bucket_start: Time,
  bucket_end: Time,
  bucket_minutes: Type.Integer(),
  observed: Type.Integer({ description: 'tickets created in the bucket' }),
  expected: Type.Number({ description: 'median of the baseline buckets' }),
  score: Type.Number({ description: 'robust z on the variance-stabilised (Anscombe) scale' }),
  ratio: Type.Number({ description: 'observed / max(expected, 1)' }),
  method: Type.String(),
  baseline_kind: Type.String({ description: 'seasonal (same hour of week, past weeks) | recent (last hours, when history is short)' }),
  baseline_points: Type.Integer(),
  status: Type.String({ description: 'surging | retracted' }),
  detected_at: Time,
});
export type SurgeDto = Static<typeof SurgeDtoSchema>;

export const SurgeListSchema = Type.Object({
  since: Time,
  surges: Type.Array(SurgeDtoSchema),
});
export type SurgeList = Static<typeof SurgeListSchema>;

export interface ListSurgesQuery {
  /** Epoch ms: surges in buckets starting at or after this instant. */
  since: number;
  dimension?: string[];
  limit: number;
}

export interface SurgesPort {
  /** Current surges (latest version per bucket, status surging), newest bucket first. */
  list(query: ListSurgesQuery): Promise<SurgeList>;
}
