// The simulated support organisation: tenants, teams, agents and customers.
// Each agent has a hidden true skill per category. The generator lets that skill drive
// outcomes (reply speed, reopens, CSAT, transfers) and never writes it into an event,
// so it is ground truth against which learned agent scores can be checked.
import {
  CATEGORIES,
  PRODUCTS,
  REGIONS,
  REGION_SHARE,
  TEAMS,
  PRIORITIES,
  CUSTOMER_TIERS,
  type Category,
  type CustomerTier,
  type Language,
  type Product,
  type Region,
  type Team,
} from './catalogue.ts';
import { CHANNELS } from '../../core/events/schema.ts';
import { Rng } from './random.ts';

export interface Tenant {
  id: string;
  name: string;
  /** Share of ticket volume. */
  share: number;
}

export interface Agent {
  id: string;
  name: string;
  tenant: string;
  team: Team;
  languages: readonly Language[];
  /** Ground truth in [0, 1] per category; never emitted in events. */
  trueSkill: Readonly<Record<Category, number>>;
}

export interface Customer {
  id: string;
  tenant: string;
  region: Region;
  tier: CustomerTier;
  language: Language;
}

export interface Organisation {
  seed: number;
  tenants: readonly Tenant[];
  teams: readonly Team[];
  categories: readonly Category[];
  regions: readonly Region[];
  channels: typeof CHANNELS;
  priorities: typeof PRIORITIES;
  customerTiers: typeof CUSTOMER_TIERS;
  products: readonly Product[];
  agents: readonly Agent[];
  customers: readonly Customer[];
}

export interface OrganisationOptions {
  seed: number;
  /** Total agents across tenants (default 40). */
  agents?: number;
  /** 1 or 2 tenants (default 1: 'acme'). */
  tenants?: number;
  /** Customers across tenants (default 8000). */
  customers?: number;
  /** Share of customers outside apac-cn who write in Chinese (default 0.15). */
  zhShare?: number;
}

const TENANTS: readonly Tenant[] = [
  { id: 'acme', name: 'Acme Beauty', share: 0.7 },
  { id: 'globex', name: 'Globex Cosmetics', share: 0.3 },
];

/** Categories each team is trained for; agents are better at these. */
export const TEAM_SPECIALITIES: Readonly<Record<Team, readonly Category[]>> = {
  billing: ['billing', 'refund', 'payment_failure'],
  'tech-support': ['account_access', 'software_fault', 'product_defect'],
  orders: ['delivery', 'refund', 'product_defect', 'general'],
  'vip-care': CATEGORIES,
};

const TEAM_WEIGHTS: Readonly<Record<Team, number>> = {
  billing: 0.25,
  'tech-support': 0.3,
  orders: 0.3,
  'vip-care': 0.15,
};

/** Chinese-speaking share of agents; every team gets at least one when it can. */
const ZH_AGENT_SHARE = 0.3;
const VIP_SHARE = 0.06;
const APAC_CN_ZH_SHARE = 0.95;

const EN_FIRST = ['Alice', 'Ben', 'Chloe', 'Daniel', 'Emma', 'Felix', 'Grace', 'Hugo', 'Isla', 'Jonas', 'Kate', 'Liam', 'Mia', 'Noah', 'Olivia', 'Paul', 'Ruby', 'Sam', 'Tara', 'Victor', 'Wendy', 'Yusuf', 'Zoe', 'Marta', 'Lukas', 'Sofia'];
const EN_LAST = ['Smith', 'Müller', 'Garcia', 'Brown', 'Rossi', 'Dubois', 'Novak', 'Jensen', 'Kowalski', 'Murphy', 'Silva', "O'Brien", 'Schmidt', 'Taylor', 'Martin', 'Fischer'];
const ZH_NAMES = ['Wang Fang', 'Li Na', 'Zhang Wei', 'Liu Yang', 'Chen Jing', 'Yang Min', 'Zhao Lei', 'Huang Li', 'Zhou Qiang', 'Wu Xia', 'Xu Tao', 'Sun Hui', 'Ma Jun', 'Hu Yan', 'Guo Peng', 'Lin Mei', 'Tan Wei Ming', 'Lim Hui Ling'];

const clamp01 = (x: number, lo = 0.05, hi = 0.97) => Math.min(hi, Math.max(lo, x));
const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Largest-remainder apportionment, so small organisations still get every team staffed. */
function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const counts = exact.map((x) => Math.floor(x));
  if (total >= weights.length) {
    for (let i = 0; i < counts.length; i++) if (counts[i] === 0) counts[i] = 1;
  }
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((p, q) => q[0] - p[0] || p[1] - q[1]);
  for (let k = 0; left > 0; k = (k + 1) % order.length, left--) counts[order[k][1]]++;
  for (let i = counts.length - 1; left < 0; i = (i - 1 + counts.length) % counts.length) {
    if (counts[i] > 1) {
      counts[i]--;
      left++;
    }
  }
  return counts;
}

export function createOrganisation(opts: OrganisationOptions): Organisation {
  const rng = Rng.derive(opts.seed, 'organisation');
  const agentCount = Math.max(1, Math.floor(opts.agents ?? 40));
  const tenantCount = Math.min(TENANTS.length, Math.max(1, Math.floor(opts.tenants ?? 1)));
  const tenantsRaw = TENANTS.slice(0, tenantCount);
  const shareSum = tenantsRaw.reduce((a, t) => a + t.share, 0);
  const tenants = tenantsRaw.map((t) => ({ ...t, share: t.share / shareSum }));
  const zhShare = opts.zhShare ?? 0.15;

  const agents: Agent[] = [];
  const perTenant = apportion(agentCount, tenants.map((t) => t.share));
  let agentNo = 0;
  tenants.forEach((tenant, ti) => {
    const perTeam = apportion(perTenant[ti], TEAMS.map((t) => TEAM_WEIGHTS[t]));
    TEAMS.forEach((team, k) => {
      for (let j = 0; j < perTeam[k]; j++) {
        agentNo++;
        // The first agent of a team of 3+ always speaks Chinese, so zh tickets have someone.
        const speaksZh = (j === 0 && perTeam[k] >= 3) || rng.chance(ZH_AGENT_SHARE);
        const ability = rng.normal(team === 'vip-care' ? 0.63 : 0.55, 0.13);
        const trueSkill = {} as Record<Category, number>;
        for (const c of CATEGORIES) {
          const bonus = TEAM_SPECIALITIES[team].includes(c) ? 0.12 : -0.06;
          trueSkill[c] = round3(clamp01(ability + bonus + rng.normal(0, 0.1)));
        }
        agents.push({
          id: `agent-${String(agentNo).padStart(3, '0')}`,
          name: speaksZh ? rng.pick(ZH_NAMES) : `${rng.pick(EN_FIRST)} ${rng.pick(EN_LAST)}`,
          tenant: tenant.id,
          team,
          languages: speaksZh ? (rng.chance(0.8) ? ['zh', 'en'] : ['zh']) : ['en'],
          trueSkill,
        });
      }
    });
  });

  const customerCount = Math.max(REGIONS.length * tenants.length, Math.floor(opts.customers ?? 8000));
  const customers: Customer[] = [];
  const perTenantCustomers = apportion(customerCount, tenants.map((t) => t.share));
  const regionWeights = REGIONS.map((r) => REGION_SHARE[r]);
  tenants.forEach((tenant, ti) => {
    for (let j = 0; j < perTenantCustomers[ti]; j++) {
      // Every region gets a customer first so that region lookups never come back empty.
      const region = j < REGIONS.length ? REGIONS[j] : REGIONS[rng.weightedIndex(regionWeights)];
      const zh = rng.chance(region === 'apac-cn' ? APAC_CN_ZH_SHARE : zhShare);
      customers.push({
        id: `cust-${tenant.id}-${String(j + 1).padStart(6, '0')}`,
        tenant: tenant.id,
        region,
        tier: rng.chance(VIP_SHARE) ? 'vip' : 'standard',
        language: zh ? 'zh' : 'en',
      });
    }
  });

  return {
    seed: opts.seed,
    tenants,
    teams: TEAMS,
    categories: CATEGORIES,
    regions: REGIONS,
    channels: CHANNELS,
    priorities: PRIORITIES,
    customerTiers: CUSTOMER_TIERS,
    products: PRODUCTS,
    agents,
    customers,
  };
}
