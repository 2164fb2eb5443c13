#!/usr/bin/env node
// `runbase-emulator`: the reference emulator (npm run emulator).
import { launch } from './launch.js';

launch('emulator.ts');
