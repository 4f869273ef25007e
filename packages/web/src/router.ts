import type { Pinia } from 'pinia';
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import ConsoleLayout from './layouts/ConsoleLayout.vue';
import LoginPage from './pages/LoginPage.vue';
import { useSession } from './stores/session';

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginPage, meta: { public: true } },
  {
    path: '/setup',
    name: 'setup',
    component: () => import('./pages/SetupPage.vue'),
    meta: { public: true },
  },
  {
    path: '/',
    component: ConsoleLayout,
    children: [
      { path: '', redirect: { name: 'clusters' } },
      { path: 'clusters', name: 'clusters', component: () => import('./pages/ClustersPage.vue') },
      {
        path: 'clusters/:cluster',
        name: 'overview',
        component: () => import('./pages/OverviewPage.vue'),
        props: true,
      },
      {
        path: 'clusters/:cluster/explore/:group?/:version?/:resource?',
        name: 'explorer',
        component: () => import('./pages/ExplorerPage.vue'),
        props: true,
      },
      {
        path: 'clusters/:cluster/r/:group/:version/:resource/:namespace/:name',
        name: 'detail',
        component: () => import('./pages/DetailPage.vue'),
        props: true,
      },
      {
        path: 'clusters/:cluster/create',
        name: 'create',
        component: () => import('./pages/CreatePage.vue'),
        props: true,
      },
      {
        path: 'inspections',
        name: 'inspections',
        component: () => import('./pages/InspectionsPage.vue'),
      },
      { path: 'audit', name: 'audit', component: () => import('./pages/AuditPage.vue') },
      { path: 'users', name: 'users', component: () => import('./pages/UsersPage.vue') },
      { path: 'roles', name: 'roles', component: () => import('./pages/RolesPage.vue') },
      { path: 'settings', name: 'settings', component: () => import('./pages/SettingsPage.vue') },
      { path: 'profile', name: 'profile', component: () => import('./pages/ProfilePage.vue') },
    ],
  },
  { path: '/:rest(.*)*', redirect: '/' },
];

export function createConsoleRouter(pinia: Pinia) {
  const router = createRouter({ history: createWebHistory(), routes });
  router.beforeEach(async (to) => {
    const session = useSession(pinia);
    await session.restore();
    if (to.meta.public) return true;
    if (!session.signedIn)
      return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
    // An account that must enrol a second factor can do nothing else first.
    if (session.me?.mfaEnrolmentRequired && to.name !== 'profile')
      return { name: 'profile', query: { mfa: '1' } };
    return true;
  });
  return router;
}
