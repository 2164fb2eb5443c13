#!/usr/bin/env node
// `runbase-compare`: two targets compared (npm run compare).
import { launch } from './launch.js';

launch('compare.ts');
