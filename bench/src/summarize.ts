import { readFileSync } from 'node:fs';
import { BROKER_NAMES } from './brokers/broker-process.js';
import { type RunRecord, summarizeRuns } from './report.js';
import { SCENARIOS } from './scenarios.js';

/** Re-renders the tables of a finished run from its JSON lines: `pnpm --filter @mq/bench summarize <file.jsonl>`. */

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: node --import tsx src/summarize.ts <results.jsonl>\n');
  process.exit(2);
}
const records = readFileSync(file, 'utf8')
  .split('\n')
  .filter((line) => line.trim())
  .map((line) => JSON.parse(line) as RunRecord);
const scenarios = SCENARIOS.filter((s) => records.some((r) => r.scenario === s.name));
const brokers = BROKER_NAMES.filter((b) => records.some((r) => r.broker === b));
process.stdout.write(`${summarizeRuns(scenarios, brokers, records)}\n`);
