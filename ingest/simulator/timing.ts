// How long things take, per channel. Medians in minutes; the lifecycle scales them by
// agent skill, priority and tier and adds log-normal noise.
import type { Channel, Priority, Region } from './catalogue.ts';
import type { Rng } from './random.ts';
import { HOUR_MS, MINUTE_MS, isBusinessHours, isCustomerNight, nextBusinessStart, nextMorning } from './rhythm.ts';

export interface ChannelTiming {
  assign: number;
  firstReply: number;
  agentReply: number;
  customerReply: number;
  resolve: number;
  /** Hours from the final resolution until the ticket auto-closes. */
  closeHours: number;
  /** Extra back-and-forth rounds on top of the skill-driven ones. */
  extraRounds: number;
  /** Asynchronous channels wait for office hours; live ones are staffed around the clock. */
  async: boolean;
}

export const CHANNEL_TIMING: Readonly<Record<Channel, ChannelTiming>> = {
  chat: { assign: 1.5, firstReply: 1.5, agentReply: 2.5, customerReply: 2, resolve: 3, closeHours: 24, extraRounds: 0.8, async: false },
  phone: { assign: 1, firstReply: 0.5, agentReply: 1.5, customerReply: 1, resolve: 2, closeHours: 24, extraRounds: 0.3, async: false },
  social: { assign: 10, firstReply: 40, agentReply: 60, customerReply: 90, resolve: 20, closeHours: 48, extraRounds: 0.5, async: true },
  web: { assign: 20, firstReply: 150, agentReply: 180, customerReply: 300, resolve: 30, closeHours: 72, extraRounds: 0.5, async: true },
  email: { assign: 25, firstReply: 180, agentReply: 240, customerReply: 360, resolve: 30, closeHours: 72, extraRounds: 0.6, async: true },
};

const PRIORITY_SPEED: Readonly<Record<Priority, number>> = { low: 1.3, normal: 1, high: 0.7, urgent: 0.4 };

/** Share of out-of-hours async work that waits for the next business morning. */
const OVERNIGHT_QUEUE_SHARE = 0.8;
const CUSTOMER_SLEEPS_SHARE = 0.75;

export interface DelayContext {
  rng: Rng;
  channel: Channel;
  region: Region;
  priority: Priority;
  vip: boolean;
}

/**
 * When an agent acts after `t`, given a median in minutes and the agent's skill.
 * Skill matters most here: a 0.9 agent is about twice as fast as a 0.2 agent.
 */
export function agentActionTime(ctx: DelayContext, t: number, medianMinutes: number, skill: number): number {
  const { rng, channel, region } = ctx;
  const median = medianMinutes * (1.6 - skill) * PRIORITY_SPEED[ctx.priority] * (ctx.vip ? 0.7 : 1);
  let d = rng.logNormal(median, 0.6) * MINUTE_MS;
  if (!isBusinessHours(t, region)) {
    if (CHANNEL_TIMING[channel].async && rng.chance(OVERNIGHT_QUEUE_SHARE)) {
      // Picked up from the morning backlog: the wait is dominated by the night.
      return nextBusinessStart(t, region) + d * rng.uniform(0.2, 1);
    }
    d *= CHANNEL_TIMING[channel].async ? 1.5 : 1.8;
  }
  return t + d;
}

export function customerActionTime(ctx: DelayContext, t: number, medianMinutes: number): number {
  const { rng, region } = ctx;
  const at = t + rng.logNormal(medianMinutes, 0.8) * MINUTE_MS;
  if (CHANNEL_TIMING[ctx.channel].async && isCustomerNight(at, region) && rng.chance(CUSTOMER_SLEEPS_SHARE)) {
    return nextMorning(at, region) + rng.exponential(1.5 * HOUR_MS);
  }
  return at;
}
