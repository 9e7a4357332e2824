#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install` at the repository root).
import { run } from '../dist/main.js';

process.exitCode = await run(process.argv.slice(2));
