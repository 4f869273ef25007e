import { defineStore } from 'pinia';
import { ref, watch } from 'vue';

export type Locale = 'en' | 'zh-CN';
export type ThemeChoice = 'light' | 'dark' | 'system';

const LOCALE_KEY = 'kubeops.locale';
const THEME_KEY = 'kubeops.theme';

/** The browser's preferred language, narrowed to the two the console speaks. */
export function browserLocale(languages: readonly string[] = navigator.languages): Locale {
  for (const language of languages) {
    const lower = language.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

function storedLocale(): Locale | null {
  const value = localStorage.getItem(LOCALE_KEY);
  return value === 'en' || value === 'zh-CN' ? value : null;
}

function storedTheme(): ThemeChoice {
  const value = localStorage.getItem(THEME_KEY);
  return value === 'light' || value === 'dark' ? value : 'system';
}

const systemDark = window.matchMedia('(prefers-color-scheme: dark)');

/** Language and theme: chosen by the person, remembered in this browser. */
export const usePreferences = defineStore('preferences', () => {
  const locale = ref<Locale>(storedLocale() ?? browserLocale());
  const theme = ref<ThemeChoice>(storedTheme());
  const dark = ref(false);

  const applyTheme = () => {
    dark.value = theme.value === 'dark' || (theme.value === 'system' && systemDark.matches);
    document.documentElement.classList.toggle('dark', dark.value);
  };
  systemDark.addEventListener('change', applyTheme);
  applyTheme();

  watch(locale, (value) => {
    localStorage.setItem(LOCALE_KEY, value);
    document.documentElement.lang = value;
  });
  watch(theme, (value) => {
    localStorage.setItem(THEME_KEY, value);
    applyTheme();
  });
  document.documentElement.lang = locale.value;

  return { locale, theme, dark };
});
