#!/usr/bin/env node
// The `kubeops` command npm links (node_modules/.bin/kubeops, so `npx kubeops`
// works in the repository). It is a file of its own, not dist/cli/main.js,
// because npm links a bin only when its file exists at `npm install` time,
// which comes before `npm run build`.
/* global process, URL */
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('kubeops: not built yet; run `npm run build` first\n');
  process.exit(2);
}
await import(main.href);
