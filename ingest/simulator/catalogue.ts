// The fixed vocabulary of the simulated business: what customers write about, what
// they bought, where they live. These are constants (not seeded) so that dashboards,
// SLA policies and tests can refer to them by name.
import { CHANNELS } from '../../core/events/schema.ts';

export const CATEGORIES = [
  'billing',
  'refund',
  'delivery',
  'product_defect',
  'account_access',
  'software_fault',
  'payment_failure',
  'general',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const TEAMS = ['billing', 'tech-support', 'orders', 'vip-care'] as const;
export type Team = (typeof TEAMS)[number];

export const REGIONS = ['eu-west', 'eu-central', 'us-east', 'us-west', 'apac-cn', 'apac-sg'] as const;
export type Region = (typeof REGIONS)[number];

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const CUSTOMER_TIERS = ['vip', 'standard'] as const;
export type CustomerTier = (typeof CUSTOMER_TIERS)[number];

export const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export type Status = (typeof STATUSES)[number];

export type Channel = (typeof CHANNELS)[number];
export type Language = 'en' | 'zh';

/**
 * Fixed UTC offsets (no daylight saving): the simulator needs a rough local clock for
 * rhythms and business hours, and a fixed offset keeps every run reproducible.
 */
export const REGION_UTC_OFFSET_HOURS: Readonly<Record<Region, number>> = {
  'eu-west': 0,
  'eu-central': 1,
  'us-east': -5,
  'us-west': -8,
  'apac-cn': 8,
  'apac-sg': 8,
};

/** Share of ticket volume each region contributes at equal local time of day. */
export const REGION_SHARE: Readonly<Record<Region, number>> = {
  'eu-west': 0.22,
  'eu-central': 0.16,
  'us-east': 0.2,
  'us-west': 0.12,
  'apac-cn': 0.18,
  'apac-sg': 0.12,
};

export const REGION_CURRENCY: Readonly<Record<Region, { symbol: string; rate: number }>> = {
  'eu-west': { symbol: '€', rate: 1 },
  'eu-central': { symbol: '€', rate: 1 },
  'us-east': { symbol: '$', rate: 1.08 },
  'us-west': { symbol: '$', rate: 1.08 },
  'apac-cn': { symbol: '¥', rate: 7.8 },
  'apac-sg': { symbol: 'S$', rate: 1.45 },
};

export const CATEGORY_WEIGHTS: Readonly<Record<Category, number>> = {
  billing: 0.14,
  refund: 0.13,
  delivery: 0.22,
  product_defect: 0.09,
  account_access: 0.12,
  software_fault: 0.08,
  payment_failure: 0.07,
  general: 0.15,
};

/** Which team a category is routed to (before the VIP override and misroutes). */
export const CATEGORY_TEAMS: Readonly<Record<Category, ReadonlyArray<readonly [Team, number]>>> = {
  billing: [['billing', 0.9], ['orders', 0.1]],
  refund: [['billing', 0.5], ['orders', 0.5]],
  delivery: [['orders', 0.95], ['billing', 0.05]],
  product_defect: [['orders', 0.7], ['tech-support', 0.3]],
  account_access: [['tech-support', 0.9], ['billing', 0.1]],
  software_fault: [['tech-support', 0.95], ['orders', 0.05]],
  payment_failure: [['billing', 0.85], ['tech-support', 0.15]],
  general: [['orders', 0.5], ['billing', 0.25], ['tech-support', 0.25]],
};

export const CHANNEL_WEIGHTS: Readonly<Record<Channel, number>> = {
  chat: 0.3,
  email: 0.28,
  phone: 0.14,
  web: 0.16,
  social: 0.12,
};

export type ProductKind = 'lipstick' | 'bottle' | 'cream' | 'mascara' | 'palette' | 'device' | 'digital';

export interface Product {
  name: string;
  nameZh: string;
  kind: ProductKind;
  /** Relative popularity among products of the same physical/digital group. */
  weight: number;
  /** Typical order value in EUR. */
  price: number;
  /** Production batches in circulation; empty for digital products. */
  batches: readonly string[];
}

const batchRange = (from: number, to: number): string[] => {
  const out: string[] = [];
  for (let b = from; b <= to; b++) out.push(`B-${b}`);
  return out;
};

export const PRODUCTS: readonly Product[] = [
  { name: 'Velvet Matte Lipstick', nameZh: '丝绒哑光口红', kind: 'lipstick', weight: 1.2, price: 24, batches: batchRange(2305, 2312) },
  { name: 'Silk Glow Lip Gloss', nameZh: '丝光唇彩', kind: 'lipstick', weight: 0.7, price: 19, batches: batchRange(2303, 2310) },
  { name: 'Hydra Boost Serum', nameZh: '水润精华液', kind: 'bottle', weight: 1.0, price: 45, batches: batchRange(2304, 2312) },
  { name: 'Aqua Shield Sunscreen SPF50', nameZh: '水感防晒霜SPF50', kind: 'bottle', weight: 0.9, price: 29, batches: batchRange(2306, 2312) },
  { name: 'Rose Micellar Water', nameZh: '玫瑰卸妆水', kind: 'bottle', weight: 0.8, price: 15, batches: batchRange(2301, 2309) },
  { name: 'Night Repair Cream', nameZh: '夜间修护霜', kind: 'cream', weight: 0.8, price: 59, batches: batchRange(2302, 2311) },
  { name: 'Lash Lift Mascara', nameZh: '纤长睫毛膏', kind: 'mascara', weight: 0.9, price: 22, batches: batchRange(2305, 2312) },
  { name: 'Sunset Eyeshadow Palette', nameZh: '日落眼影盘', kind: 'palette', weight: 0.6, price: 39, batches: batchRange(2304, 2310) },
  { name: 'Ionic Pro Hair Dryer', nameZh: '负离子吹风机', kind: 'device', weight: 0.4, price: 129, batches: batchRange(2301, 2306) },
  { name: 'Glow LED Mask', nameZh: 'LED美容面罩', kind: 'device', weight: 0.3, price: 199, batches: batchRange(2307, 2311) },
  { name: 'Mobile App', nameZh: '手机App', kind: 'digital', weight: 0.55, price: 0, batches: [] },
  { name: 'Web Shop', nameZh: '网上商城', kind: 'digital', weight: 0.35, price: 0, batches: [] },
  { name: 'Loyalty Club', nameZh: '会员俱乐部', kind: 'digital', weight: 0.1, price: 0, batches: [] },
];

/** Categories about the shop or app rather than a physical item. */
export const DIGITAL_CATEGORIES: ReadonlySet<Category> = new Set<Category>(['account_access', 'software_fault']);

export const APP_VERSIONS = ['5.11.2', '5.12.0', '5.12.1', '5.13.0'] as const;

export const PRIORITY_WEIGHTS: readonly number[] = [0.2, 0.55, 0.18, 0.07];
