import 'element-plus/dist/index.css';
import 'element-plus/theme-chalk/dark/css-vars.css';
import './styles.css';
import { createPinia } from 'pinia';
import { createApp, watch } from 'vue';
import App from './App.vue';
import { createConsoleI18n } from './i18n';
import { mirrorRuntimeStyles } from './lib/csp-styles';
import { createConsoleRouter } from './router';
import { usePreferences } from './stores/preferences';

mirrorRuntimeStyles();

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
const preferences = usePreferences(pinia);
const i18n = createConsoleI18n(preferences.locale);
watch(
  () => preferences.locale,
  (locale) => (i18n.global.locale.value = locale),
);
app.use(i18n);
app.use(createConsoleRouter(pinia));
app.mount('#app');
