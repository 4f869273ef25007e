import { createI18n } from 'vue-i18n';
import en from './en';
import zhCN from './zh-CN';
import type { Locale } from '../stores/preferences';

export type MessageSchema = typeof en;

export const messages: Record<Locale, MessageSchema> = { en, 'zh-CN': zhCN };

export function createConsoleI18n(locale: Locale) {
  return createI18n<[MessageSchema], Locale, false>({
    legacy: false,
    locale,
    fallbackLocale: 'en',
    messages,
    missingWarn: import.meta.env.DEV,
    fallbackWarn: import.meta.env.DEV,
  });
}
