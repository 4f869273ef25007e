#!/usr/bin/env node
import { program } from './program.js';

program()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`kubeops: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
