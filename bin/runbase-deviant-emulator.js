#!/usr/bin/env node
// `runbase-deviant-emulator`: a deliberately broken emulator.
import { launch } from './launch.js';

launch('deviant-emulator.ts');
