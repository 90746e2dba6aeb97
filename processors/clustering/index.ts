// The public face of root-cause clustering's pure core: ticket texts in, labelled and
// profiled clusters out, plus the feature model that later runs reuse so that their
// centroids can be matched. No I/O lives here.
export {
  clusterTickets,
  defaultKMax,
  DEFAULT_WORKING_SET,
  DEFAULT_RESTARTS,
  MAX_OVERCLUSTER_K,
  SILHOUETTE_TOLERANCE,
  DEFAULT_MASKED_ATTRIBUTES,
} from './cluster-tickets.ts';
export type {
  TicketText,
  ClusterOptions,
  ClusteringResult,
  TicketCluster,
  TermWeight,
  KSelection,
  ClusteringTimings,
  ClusteringProgress,
  ClusteringStage,
} from './types.ts';
export { sphericalKMeans, refineKMeans, kmeansPlusPlus } from './kmeans.ts';
export type { KMeansOptions, KMeansResult } from './kmeans.ts';
export { exactCosineSilhouette, mergePath } from './select-k.ts';
export {
  exactCosineKnn,
  approximateCosineKnn,
  buildPoolIndex,
  smoothRows,
  smoothEmbedding,
  uniqueRows,
  DEFAULT_SMOOTHING_NEIGHBOURS,
  SMOOTHING_PROBES,
} from './smoothing.ts';
export type { KnnGraph, PoolIndex, SmoothOptions, UniqueRows } from './smoothing.ts';
export type { SilhouettePoint, MergePath } from './select-k.ts';
export { labelClusters, clusterLanguage, textLanguage } from './labels.ts';
export type { TopTerm, ClusterLanguage, LabelOptions, ClusterLabel } from './labels.ts';
export { profileClusters } from './profiles.ts';
export type { AttributeProfile, ValueShare, Concentration, ProfileOptions } from './profiles.ts';
export { normalizedMutualInfo, adjustedRandIndex } from './metrics.ts';
export { cosineSimilarity, termCosine } from './similarity.ts';
export { SeededRandom } from './random.ts';
export * from './features/index.ts';
