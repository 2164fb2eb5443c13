export * from './inputs.ts';
export * from './bodies.ts';
export * from './auth.ts';
export * from './runs.ts';
export * from './forwarding.ts';
export * from './faults.ts';
export * from './normalisation.ts';
export * from './accounting.ts';
