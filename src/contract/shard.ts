// Shards: RUNBASE_SHARD=i/n runs a deterministic slice of the rules. The slice is by rule, not by
// file, so shards balance: the catalogue (contracts/rules.json) is dealt round-robin, which spreads
// every family (and so the slow rate-limit rules) over all shards. The same catalogue gives the same
// slices on every machine. The rules that judge every exchange of the run (ENV-*, SEC-NO-SECRET-ECHO,
// SRV-NO-5XX, SRV-500-SHAPE) judge the exchanges of their own shard.
import { contract } from './index.ts';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export class ShardError extends Error {
  override readonly name = 'ShardError';
}

/** `i/n` with 1 ≤ i ≤ n; anything else is a configuration error. Unset or empty: no sharding. */
export function parseShard(text: string | undefined): Shard | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new ShardError(`RUNBASE_SHARD must be i/n (e.g. 2/4), got ${JSON.stringify(text)}`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count < 1 || index < 1 || index > count) throw new ShardError(`RUNBASE_SHARD ${text}: need 1 ≤ i ≤ n`);
  if (count > contract.rules.rules.length) throw new ShardError(`RUNBASE_SHARD ${text}: more shards than the ${contract.rules.rules.length} rules`);
  return { index, count };
}

/** The shard (1-based) a catalogue rule belongs to among `count`. */
export function shardOfRule(ruleId: string, count: number): number {
  const position = contract.rules.rules.findIndex((r) => r.id === ruleId);
  if (position === -1) throw new ShardError(`rule ${ruleId} is not in contracts/rules.json`);
  return (position % count) + 1;
}

/** Whether `ruleId` runs in `shard` (every rule does when the run is not sharded). */
export function inShard(ruleId: string, shard: Shard | undefined): boolean {
  return shard === undefined || shardOfRule(ruleId, shard.count) === shard.index;
}

/** The rule ids of a shard, in catalogue order. */
export function rulesOfShard(shard: Shard | undefined): string[] {
  return contract.rules.rules.map((r) => r.id).filter((id) => inShard(id, shard));
}

export const shardLabel = (shard: Shard): string => `${shard.index}/${shard.count}`;
