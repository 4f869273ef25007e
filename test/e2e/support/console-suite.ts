import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  launchBrowser,
  newConsole,
  screenshot,
  startKubeops,
  type KubeopsOptions,
  type KubeopsServer,
} from './console-env.js';

/**
 * The frame of every console end-to-end file: one KubeOps server and one
 * Chromium for the file, a first browser tab, and a picture of what the
 * browser showed whenever a step fails.
 */
export interface ConsoleSuite {
  server: KubeopsServer;
  browser: Browser;
  /** The first tab, signed in by nobody yet. */
  page: Page;
  /** Uncaught errors of the first tab's page scripts. */
  errors: string[];
  /** The tab a failing step leaves a picture of; a step that drives another tab sets it, and it falls back to `page` after each step. */
  shown: Page;
}

const webDist = resolve(import.meta.dirname, '../../../packages/web/dist/index.html');

/** Registers the file's hooks; the fields are filled once its `beforeAll` has run. */
export function useConsoleSuite(
  kubeops: () => KubeopsOptions | Promise<KubeopsOptions> = () => ({}),
): ConsoleSuite {
  const suite = {} as ConsoleSuite;

  beforeAll(async () => {
    if (!existsSync(webDist))
      throw new Error('packages/web/dist is missing: run `npm run build --workspace packages/web`');
    const options = await kubeops();
    [suite.server, suite.browser] = await Promise.all([startKubeops(options), launchBrowser()]);
    ({ page: suite.page, errors: suite.errors } = await newConsole(suite.browser));
    suite.shown = suite.page;
  });

  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.stop();
  });

  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && suite.shown) {
      await screenshot(
        suite.shown,
        `failed-${context.task.name.replace(/\W+/g, '-').slice(0, 60)}`,
      ).catch(() => undefined);
    }
    suite.shown = suite.page;
  });

  return suite;
}
