// The tracker's data model. Times are epoch milliseconds.
import type { AttributeProfile, TermWeight } from '../clustering/index.ts';

export type ClusterStatus = 'emerging' | 'active' | 'subsiding' | 'closed';
export const CLUSTER_STATUSES: readonly ClusterStatus[] = ['emerging', 'active', 'subsiding', 'closed'];

/** One `created` ticket of the window, as the tracker reads it. */
export interface WindowTicket {
  id: string;
  createdMs: number;
  subject: string;
  /** Subject and body joined: what is clustered. */
  text: string;
  /** Profiled attributes (config `attributes`); empty values left out. */
  attributes: Record<string, string>;
}

export interface ClusterConcentration {
  attribute: string;
  value: string;
  /** Share of the tickets judged (the recent ones when surging, else all members). */
  share: number;
  /** Share of the whole window with this value. */
  baseShare: number;
}

/** A cluster of this run with its growth signals, before it is matched to the previous run. */
export interface ObservedCluster {
  size: number;
  memberIds: string[];
  centroid: number[];
  termCentroid: TermWeight[];
  label: string;
  topTerms: string[];
  profile: AttributeProfile;
  /** Members created in the recent part of the window. */
  recent: number;
  /** Recent rate ÷ the rate in the earlier part of the window (1 when there is no earlier part). */
  growth: number;
  surging: boolean;
  concentration: ClusterConcentration | null;
  /** Every attribute whose top value passed the concentration rules (for alert labels). */
  concentrated: ClusterConcentration[];
  samples: string[];
  newestMs: number;
}

export interface SizePoint {
  atMs: number;
  size: number;
}

/** A cluster as stored: its identity and state after a run. */
export interface TrackedCluster {
  clusterId: string;
  status: ClusterStatus;
  surging: boolean;
  /** A root_cause_batch alert is open for it. */
  alerted: boolean;
  label: string;
  topTerms: string[];
  size: number;
  recent: number;
  growth: number;
  firstSeenMs: number;
  lastSeenMs: number;
  history: SizePoint[];
  concentration: ClusterConcentration | null;
  concentrated: ClusterConcentration[];
  profile: AttributeProfile;
  samples: string[];
  owner: string;
  centroid: number[];
  termCentroid: TermWeight[];
  /** Members in this run (empty for closed clusters). */
  memberIds: string[];
}
