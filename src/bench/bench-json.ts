// reports/bench.json: one file, a section per benchmark, with the machine it ran on.
import { cpus, totalmem, platform, release } from 'node:os';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface Machine { cpus: number; cpuModel: string; memoryGb: number; platform: string; node: string }

export function machine(): Machine {
  const list = cpus();
  return { cpus: list.length, cpuModel: list[0]?.model.trim() ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), platform: `${platform()} ${release()}`, node: process.version };
}

/** Replace this benchmark's section of bench.json, keeping the sections other benchmarks wrote. */
export function writeSection(file: string, name: string, section: unknown): void {
  let doc: { machine?: Machine; date?: string; sections?: Record<string, unknown> } = {};
  if (existsSync(file)) {
    try { doc = JSON.parse(readFileSync(file, 'utf8')); } catch { doc = {}; }
  }
  const now = new Date().toISOString();
  const next = { machine: machine(), date: now, sections: { ...(doc.sections ?? {}), [name]: section } };
  mkdirSync(resolve(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(next, null, 2)}\n`);
}

