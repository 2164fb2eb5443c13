#!/usr/bin/env node
// `runbase-conformance`: the conformance run (npm test).
import { launch } from './launch.js';

launch('run.ts');
