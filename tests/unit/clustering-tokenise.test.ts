import { describe, expect, it } from 'vitest';
import { maskAttributeValues, normaliseText, porterStem, tokenise } from '../../processors/clustering/index.ts';

describe('normaliseText', () => {
  it('folds full-width forms, case, and ticket-specific identifiers into placeholders', () => {
    expect(normaliseText('ＨＥＬＬＯ，Ｗｏｒｌｄ！')).toBe('hello | world |');
    expect(normaliseText('Order #A12345678 was charged S$173.65 twice')).toBe('order <order> was charged <amount> twice');
    expect(normaliseText('退款100元，订单#A90506625')).toBe('退款 <amount> | 订单 <order>');
    expect(normaliseText('mail a.b@example.com or see https://x.example/y?q=1 in 10 days')).toBe('mail <email> or see <url> in <num> days');
  });

  it('keeps short codes such as product batches as one token', () => {
    expect(normaliseText('Batch B-2311 is broken')).toBe('batch b2311 is broken');
  });
});

describe('porterStem', () => {
  it('matches the reference Porter stemmer on classic cases', () => {
    const cases: Record<string, string> = {
      caresses: 'caress', ponies: 'poni', cats: 'cat', agreed: 'agre', hopping: 'hop', filing: 'file',
      happy: 'happi', relational: 'relat', generalization: 'gener', arrived: 'arriv', arrival: 'arriv',
      refunded: 'refund', transferring: 'transfer', electrical: 'electr', adjustment: 'adjust',
    };
    for (const [word, stem] of Object.entries(cases)) expect(porterStem(word), word).toBe(stem);
  });
});

describe('tokenise', () => {
  it('stems English words and drops stop words and courtesy words', () => {
    expect(tokenise("Hi, my card hasn't arrived yet after 2 weeks! Please help")).toEqual(['card', 'arriv', '<num>', 'week', 'help']);
  });

  it('keeps phrasal-verb particles that change the request', () => {
    expect(tokenise('How do I top up my account?')).toEqual(['top', 'up', 'account']);
  });

  it('splits Chinese into character unigrams and bigrams, cut at particles and stop phrases', () => {
    expect(tokenise('你好，我的退款还没到账')).toEqual(['退', '退款', '款', '款还', '还', '还没', '没', '没到', '到', '到账', '账']);
    expect(tokenise('口红断了', { cjkUnigrams: false })).toEqual(['口红', '红断']);
  });

  it('handles mixed English and Chinese text', () => {
    expect(tokenise('My 口红 arrived broken 断了')).toEqual(['口', '口红', '红', 'arriv', 'broken', '断']);
  });

  it('returns nothing for empty or stop-word-only text', () => {
    expect(tokenise('')).toEqual([]);
    expect(tokenise('Hello, thanks!! 谢谢')).toEqual([]);
  });
});

describe('maskAttributeValues', () => {
  it("replaces the ticket's own attribute values, whatever their case, by one placeholder", () => {
    const masked = maskAttributeValues('My VELVET matte lipstick (Velvet Matte Lipstick) snapped', ['Velvet Matte Lipstick', '']);
    expect(tokenise(masked)).toEqual(['<attr>', '<attr>', 'snap']);
    expect(maskAttributeValues('a+b (c) broke', ['a+b (c)'])).toBe(' <attr>  broke');
  });
});
