#!/usr/bin/env node
// Shim: registers tsx so the TypeScript sources run straight after `npm ci` (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
