// The overview page's strings: the Chinese table has every English key with the same
// placeholders, reads as Chinese, and the browser language picks the table.
import { describe, expect, it } from 'vitest';
import { LANGUAGES, MESSAGES, detectLanguage, translate, translateValue, type MessageKey } from '../../api/overview/web/i18n.ts';
import { OVERVIEW_PAGES } from '../../api/overview/pages.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const CJK = /[\u3400-\u9fff]/;

describe('overview strings', () => {
  it('exist in every language for every key, none empty', () => {
    const keys = Object.keys(MESSAGES.en).sort();
    for (const lang of LANGUAGES) {
      expect(Object.keys(MESSAGES[lang]).sort(), lang).toEqual(keys);
      for (const key of keys) expect(MESSAGES[lang][key as MessageKey].trim(), `${lang} ${key}`).not.toBe('');
    }
  });

  it('use the same placeholders in every language', () => {
    for (const key of Object.keys(MESSAGES.en) as MessageKey[]) {
      expect(placeholders(MESSAGES.zh[key]), key).toEqual(placeholders(MESSAGES.en[key]));
    }
  });

  it('are Chinese in the Chinese table (except the toggle, which names the other language)', () => {
    const notChinese = (Object.keys(MESSAGES.zh) as MessageKey[]).filter((k) => !CJK.test(MESSAGES.zh[k]));
    expect(notChinese).toEqual(['languageToggle']);
    expect(MESSAGES.zh.languageToggle).toBe('English');
    expect(MESSAGES.en.languageToggle).toBe('中文');
  });

  it('name every page', () => {
    for (const page of OVERVIEW_PAGES) {
      expect(translate('en', `page.${page}` as MessageKey)).not.toBe(translate('zh', `page.${page}` as MessageKey));
    }
  });

  it('fill placeholders and leave unknown ones visible', () => {
    expect(translate('en', 'now.metCount', { met: 12, breached: 3 })).toBe('12 met · 3 breached');
    expect(translate('zh', 'now.metCount', { met: 12, breached: 3 })).toBe('12 达标 · 3 违约');
    expect(translate('en', 'now.metCount', { met: 1 })).toBe('1 met · {breached} breached');
  });

  it('translate SLA metric names and states, and show other values as they are', () => {
    expect(translateValue('zh', 'metric', 'first_response')).toBe('首次响应');
    expect(translateValue('en', 'state', 'at_risk')).toBe('At risk');
    expect(translateValue('zh', 'metric', 'something_new')).toBe('something_new');
  });

  it('follow the browser language: any zh-* is Chinese, anything else English', () => {
    expect(detectLanguage(['zh-CN', 'en'])).toBe('zh');
    expect(detectLanguage(['zh-Hant-TW'])).toBe('zh');
    expect(detectLanguage(['en-GB', 'zh-CN'])).toBe('en');
    expect(detectLanguage(['de-DE', 'zh'])).toBe('zh');
    expect(detectLanguage(['fr-FR'])).toBe('en');
    expect(detectLanguage([])).toBe('en');
  });
});
