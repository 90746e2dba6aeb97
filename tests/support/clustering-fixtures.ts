// Planted clusters of ticket texts for the clustering tests: each topic has its own
// vocabulary, every text mixes in words shared by all topics, and the generator is
// seeded so the tests see the same texts every run.
import { SeededRandom, type TicketText } from '../../processors/clustering/index.ts';

export const EN_TOPICS = [
  ['lipstick', 'snapped', 'broken', 'tube', 'cracked', 'bullet', 'matte', 'arrived'],
  ['refund', 'returned', 'money', 'back', 'waiting', 'reimbursed', 'credit', 'days'],
  ['password', 'login', 'locked', 'reset', 'verification', 'code', 'sign', 'account'],
  ['parcel', 'courier', 'tracking', 'delivery', 'late', 'shipment', 'stuck', 'warehouse'],
];
export const ZH_TOPICS = [
  ['口红', '断了', '破损', '膏体', '收到', '包装'],
  ['退款', '到账', '退货', '银行卡', '几天', '金额'],
];
const SHARED = ['order', 'today', 'customer', 'support', 'issue', 'again', 'problem', 'week'];

export function plantedTickets(
  perTopic: number,
  seed = 7,
  topics: readonly (readonly string[])[] = EN_TOPICS,
): { tickets: TicketText[]; truth: number[] } {
  const rng = new SeededRandom(seed);
  const tickets: TicketText[] = [];
  const truth: number[] = [];
  topics.forEach((vocab, t) => {
    const zh = /[\u4e00-\u9fff]/.test(vocab[0]);
    for (let i = 0; i < perTopic; i++) {
      const words: string[] = [];
      const len = 5 + rng.int(4);
      for (let w = 0; w < len; w++) {
        words.push(rng.next() < 0.7 || zh ? vocab[rng.int(vocab.length)] : SHARED[rng.int(SHARED.length)]);
      }
      tickets.push({ id: `t${t}-${i}`, text: zh ? `${words.join('')}，订单#A${10000000 + i}。` : `${words.join(' ')}.`, attributes: {} });
      truth.push(t);
    }
  });
  return { tickets, truth };
}
