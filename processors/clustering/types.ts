// Public shapes of the clustering API.
import type { FeatureModel, FeatureOptions } from './features/index.ts';
import type { ClusterLanguage, LabelOptions, TopTerm } from './labels.ts';
import type { AttributeProfile, Concentration, ProfileOptions } from './profiles.ts';
import type { SilhouettePoint } from './select-k.ts';

export interface TicketText {
  id: string;
  /** Subject and body, joined by the caller. */
  text: string;
  /**
   * Whatever should be profiled: product, region, channel, category, customer_tier and
   * free attribute keys such as product_batch. Missing or empty values are skipped.
   */
  attributes?: Readonly<Record<string, string>>;
}

export type ClusteringStage = 'fit' | 'features' | 'smooth' | 'select-k' | 'kmeans' | 'refine' | 'describe';

export interface ClusteringProgress {
  stage: ClusteringStage;
  done: number;
  total: number;
}

export interface ClusterOptions {
  /** Fixed number of clusters; chosen automatically when absent. */
  k?: number;
  /** Same tickets + same seed → same clusters (default 1). */
  seed?: number;
  /** Smallest k the automatic choice may return (default 2). */
  kMin?: number;
  /** Granularity of the over-clustering the automatic choice merges from (default ⌊n/10⌋, at most 300; at least min(⌊n/3⌋, 10)). */
  kMax?: number;
  /** k-means++ starts for the final clustering (default 3; the merged over-clustering is one more start when k is chosen). */
  restarts?: number;
  /** Lloyd iterations: the native loop (default) or ml-kmeans. */
  engine?: 'native' | 'ml-kmeans';
  /**
   * Attribute keys whose value is replaced by a placeholder in the ticket's own text
   * before featurising (default ['product']): clusters then form by problem, and the
   * product shows up in the profile instead. [] turns it off.
   */
  maskAttributes?: readonly string[];
  /**
   * Neighbourhood smoothing: each ticket's vector becomes the normalised mean of itself
   * and its this-many nearest tickets by cosine before clustering (default 10; 0 turns
   * it off). Exact within the working set; other tickets search the working set through
   * an inverted-file index.
   */
  smoothingNeighbours?: number;
  /** Feature settings when no featureModel is given. */
  features?: FeatureOptions;
  /** A model fitted on a reference window: texts are projected into its space, so centroids are comparable across runs. */
  featureModel?: FeatureModel;
  /** k selection and restarts run on a seeded sample of at most this many tickets; the result is then refined on all (default 10,000). */
  workingSetSize?: number;
  labels?: LabelOptions;
  profiles?: ProfileOptions;
  onProgress?: (p: ClusteringProgress) => void;
}

export interface TermWeight {
  /** The feature key (a stem, a stem pair or CJK characters): stable across feature models built with the same options. */
  key: string;
  /** Readable form. */
  term: string;
  weight: number;
}

export interface TicketCluster {
  /** 0 … k−1, largest cluster first. */
  id: number;
  size: number;
  memberIds: string[];
  /** Unit-length mean direction in the feature model's reduced space. */
  centroid: Float64Array;
  /** Mean cosine similarity of members to the centroid (1 = identical texts). */
  cohesion: number;
  label: string;
  topTerms: TopTerm[];
  language: ClusterLanguage;
  /** The centroid in term space: the heaviest mean TF-IDF weights, unit length over the listed terms. */
  termCentroid: TermWeight[];
  profile: AttributeProfile;
  concentration: Concentration | null;
}

export interface KSelection {
  method: 'fixed' | 'silhouette';
  /** Over-clustering size the merge path started from. */
  kMax?: number;
  /** Silhouette of every level of the merge path (empty when k was fixed). */
  curve: SilhouettePoint[];
  /** Cosine silhouette of the final partition (on the working set). */
  silhouette: number;
}

export interface ClusteringTimings {
  featuresMs: number;
  /** kNN search and smoothing (0 when off). */
  smoothMs: number;
  selectMs: number;
  kmeansMs: number;
  refineMs: number;
  describeMs: number;
  totalMs: number;
}

export interface ClusteringResult {
  k: number;
  clusters: TicketCluster[];
  /** Cluster id of every input ticket, in input order. */
  assignments: Int32Array;
  featureModel: FeatureModel;
  selection: KSelection;
  timings: ClusteringTimings;
}
