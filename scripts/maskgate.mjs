#!/usr/bin/env node
// The `maskgate` command from a checkout: runs the TypeScript sources through tsx, so a
// fresh clone needs no build step. The Docker image runs the compiled dist/ instead.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
