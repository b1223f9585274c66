#!/usr/bin/env node
// Builds the "## @mq/broker" section of docs/conformance.md from the map below and checks it:
// every statement id of both spec lists has a row; every cited test exists in test/<file>.test.ts with
// the id in its title. `node scripts/conformance.mjs --write` rewrites the section, `--check` (default)
// fails when the section is missing, stale, or an id or test is unaccounted for.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const pkg = new URL('..', import.meta.url).pathname;
const root = join(pkg, '..', '..');
const specDir = join(root, '..', 'shared', 'spec');
const docPath = join(root, 'docs', 'conformance.md');

const CLIENT = 'Binds the Client only: see the @mq/client section.';
const AUTH_PROPS =
  'The broker puts no Reason String or User Properties in the AUTH packets it sends (only the method and the data the method returns).';
const NO_ACK_PROPS =
  'The broker puts no Reason String or User Properties in this packet; `Connection.send` would drop them anyway if the packet exceeded the client Maximum Packet Size (tested for CONNACK, PUBACK, PUBREC and DISCONNECT).';

// <id> <file>[#title fragment]   or   <id> - <reason>
const MAP = {
  '5.0': `
MQTT-1.5.4-1 malformed
MQTT-1.5.4-2 malformed
MQTT-1.5.4-3 subscribe
MQTT-1.5.5-1 malformed
MQTT-1.5.7-1 malformed
MQTT-2.1.3-1 malformed
MQTT-2.2.1-2 publish-qos
MQTT-2.2.1-3 - ${CLIENT}
MQTT-2.2.1-4 publish-qos
MQTT-2.2.1-5 publish-qos
MQTT-2.2.1-6 subscribe
MQTT-2.2.2-1 v5-properties
MQTT-3.1.0-1 connect
MQTT-3.1.0-2 connect#5.0 CONNECT
MQTT-3.1.2-1 connect
MQTT-3.1.2-2 connect
MQTT-3.1.2-3 connect
MQTT-3.1.2-4 takeover
MQTT-3.1.2-5 mqttjs
MQTT-3.1.2-6 connect
MQTT-3.1.2-7 will
MQTT-3.1.2-8 will#when the delay passes
MQTT-3.1.2-9 will
MQTT-3.1.2-10 will
MQTT-3.1.2-11 connect
MQTT-3.1.2-12 connect
MQTT-3.1.2-13 connect
MQTT-3.1.2-14 will
MQTT-3.1.2-15 will
MQTT-3.1.2-16 connect
MQTT-3.1.2-17 connect
MQTT-3.1.2-18 connect
MQTT-3.1.2-19 connect
MQTT-3.1.2-20 - ${CLIENT} The broker side is MQTT-3.1.2-22.
MQTT-3.1.2-21 - ${CLIENT} The broker enforces the Server Keep Alive it announced (keepalive.test.ts, "[MQTT-3.1.2-21] enforces the Server Keep Alive it announced").
MQTT-3.1.2-22 keepalive#DISCONNECT 0x8D
MQTT-3.1.2-23 session
MQTT-3.1.2-24 v5-properties
MQTT-3.1.2-25 v5-properties
MQTT-3.1.2-26 topic-alias
MQTT-3.1.2-27 topic-alias
MQTT-3.1.2-28 v5-properties
MQTT-3.1.2-29 v5-properties
MQTT-3.1.2-30 enhanced-auth
MQTT-3.1.3-1 connect
MQTT-3.1.3-2 connect
MQTT-3.1.3-3 connect
MQTT-3.1.3-4 connect
MQTT-3.1.3-5 connect
MQTT-3.1.3-6 connect#5.0 client id
MQTT-3.1.3-7 connect
MQTT-3.1.3-8 connect#0x85
MQTT-3.1.3-9 will
MQTT-3.1.3-10 will
MQTT-3.1.3-11 connect
MQTT-3.1.3-12 connect
MQTT-3.1.4-1 connect
MQTT-3.1.4-2 connect
MQTT-3.1.4-3 takeover
MQTT-3.1.4-4 takeover
MQTT-3.1.4-5 connect
MQTT-3.1.4-6 connect
MQTT-3.2.0-1 connect
MQTT-3.2.0-2 connect
MQTT-3.2.2-1 connect
MQTT-3.2.2-2 connect
MQTT-3.2.2-3 connect#5.0
MQTT-3.2.2-4 - ${CLIENT}
MQTT-3.2.2-5 - ${CLIENT}
MQTT-3.2.2-6 connect#authenticate hook denies
MQTT-3.2.2-7 connect#authenticate hook denies
MQTT-3.2.2-8 connect
MQTT-3.2.2-9 - Does not apply: the broker supports QoS 1 and 2, so it sends no Maximum QoS.
MQTT-3.2.2-10 subscribe
MQTT-3.2.2-11 - ${CLIENT}
MQTT-3.2.2-12 - Does not apply: every Will QoS is supported.
MQTT-3.2.2-13 - Does not apply: retained messages are supported (Retain Available 1).
MQTT-3.2.2-14 - ${CLIENT}
MQTT-3.2.2-15 - ${CLIENT} The broker refuses larger packets with DISCONNECT 0x95 (malformed.test.ts, "answers a packet above maxPacketSize with DISCONNECT 0x95").
MQTT-3.2.2-16 connect
MQTT-3.2.2-17 topic-alias
MQTT-3.2.2-18 - ${CLIENT} The broker answers an alias above its maximum with DISCONNECT 0x94 (topic-alias.test.ts, "[MQTT-3.2.2-17]").
MQTT-3.2.2-19 connect
MQTT-3.2.2-20 connect
MQTT-3.2.2-21 keepalive
MQTT-3.2.2-22 keepalive
MQTT-3.3.1-1 publish-qos
MQTT-3.3.1-2 publish-qos
MQTT-3.3.1-3 publish-qos
MQTT-3.3.1-4 malformed
MQTT-3.3.1-5 retained
MQTT-3.3.1-6 retained#empty retained
MQTT-3.3.1-7 retained#empty retained
MQTT-3.3.1-8 retained#RETAIN 0
MQTT-3.3.1-9 retained#Retain Handling 0
MQTT-3.3.1-10 retained#Retain Handling 1
MQTT-3.3.1-11 retained#Retain Handling 2
MQTT-3.3.1-12 retained#Retain As Published
MQTT-3.3.1-13 retained
MQTT-3.3.2-1 malformed
MQTT-3.3.2-2 malformed
MQTT-3.3.2-3 subscribe
MQTT-3.3.2-4 v5-properties
MQTT-3.3.2-5 session
MQTT-3.3.2-6 session
MQTT-3.3.2-7 topic-alias
MQTT-3.3.2-8 topic-alias
MQTT-3.3.2-9 - ${CLIENT} Enforced with DISCONNECT 0x94 (topic-alias.test.ts).
MQTT-3.3.2-10 - ${CLIENT}
MQTT-3.3.2-11 topic-alias
MQTT-3.3.2-12 topic-alias
MQTT-3.3.2-13 malformed
MQTT-3.3.2-14 malformed
MQTT-3.3.2-15 v5-properties
MQTT-3.3.2-16 v5-properties
MQTT-3.3.2-17 v5-properties
MQTT-3.3.2-18 v5-properties
MQTT-3.3.2-19 malformed
MQTT-3.3.2-20 v5-properties
MQTT-3.3.4-1 publish-qos
MQTT-3.3.4-2 subscribe
MQTT-3.3.4-3 subscribe
MQTT-3.3.4-4 subscribe
MQTT-3.3.4-5 - Does not apply: the broker always sends one copy for overlapping subscriptions, with every identifier (MQTT-3.3.4-4).
MQTT-3.3.4-6 publish-qos
MQTT-3.3.4-7 flow-control
MQTT-3.3.4-8 - ${CLIENT}
MQTT-3.3.4-9 v5-properties
MQTT-3.3.4-10 v5-properties
MQTT-3.4.2-1 publish-qos
MQTT-3.4.2-2 v5-properties
MQTT-3.4.2-3 v5-properties
MQTT-3.5.2-1 publish-qos
MQTT-3.5.2-2 v5-properties
MQTT-3.5.2-3 v5-properties
MQTT-3.6.1-1 malformed
MQTT-3.6.2-1 publish-qos
MQTT-3.6.2-2 - ${NO_ACK_PROPS}
MQTT-3.6.2-3 - ${NO_ACK_PROPS}
MQTT-3.7.2-1 publish-qos
MQTT-3.7.2-2 - ${NO_ACK_PROPS}
MQTT-3.7.2-3 - ${NO_ACK_PROPS}
MQTT-3.8.1-1 malformed#v5
MQTT-3.8.3-1 malformed
MQTT-3.8.3-2 malformed
MQTT-3.8.3-3 subscribe
MQTT-3.8.3-4 subscribe
MQTT-3.8.3-5 malformed
MQTT-3.8.4-1 subscribe
MQTT-3.8.4-2 subscribe
MQTT-3.8.4-3 subscribe
MQTT-3.8.4-4 retained
MQTT-3.8.4-5 subscribe
MQTT-3.8.4-6 subscribe#authorizer refuses
MQTT-3.8.4-7 subscribe
MQTT-3.8.4-8 mqttjs
MQTT-3.9.2-1 - ${NO_ACK_PROPS}
MQTT-3.9.2-2 - ${NO_ACK_PROPS}
MQTT-3.9.3-1 subscribe
MQTT-3.9.3-2 subscribe
MQTT-3.10.1-1 malformed
MQTT-3.10.3-1 malformed
MQTT-3.10.3-2 malformed
MQTT-3.10.4-1 subscribe
MQTT-3.10.4-2 subscribe
MQTT-3.10.4-3 subscribe
MQTT-3.10.4-4 subscribe
MQTT-3.10.4-5 subscribe
MQTT-3.10.4-6 subscribe
MQTT-3.11.2-1 - ${NO_ACK_PROPS}
MQTT-3.11.2-2 - ${NO_ACK_PROPS}
MQTT-3.11.3-1 subscribe
MQTT-3.11.3-2 subscribe
MQTT-3.12.4-1 keepalive
MQTT-3.14.0-1 v5-properties
MQTT-3.14.1-1 malformed
MQTT-3.14.2-1 v5-properties
MQTT-3.14.2-2 v5-properties
MQTT-3.14.2-3 v5-properties
MQTT-3.14.2-4 v5-properties
MQTT-3.14.4-1 connect
MQTT-3.14.4-2 connect
MQTT-3.14.4-3 will
MQTT-3.15.1-1 malformed
MQTT-3.15.2-1 enhanced-auth
MQTT-3.15.2-2 - ${AUTH_PROPS}
MQTT-3.15.2-3 - ${AUTH_PROPS}
MQTT-4.1.0-1 session
MQTT-4.1.0-2 session
MQTT-4.2.0-1 websocket
MQTT-4.3.1-1 publish-qos
MQTT-4.3.2-1 publish-qos
MQTT-4.3.2-2 publish-qos#fresh non-zero ids
MQTT-4.3.2-3 publish-qos
MQTT-4.3.2-4 publish-qos
MQTT-4.3.2-5 publish-qos
MQTT-4.3.3-1 publish-qos
MQTT-4.3.3-2 publish-qos#sends QoS 2 to a subscriber
MQTT-4.3.3-3 publish-qos
MQTT-4.3.3-4 publish-qos
MQTT-4.3.3-5 publish-qos
MQTT-4.3.3-6 publish-qos
MQTT-4.3.3-7 publish-qos
MQTT-4.3.3-8 publish-qos
MQTT-4.3.3-9 publish-qos
MQTT-4.3.3-10 publish-qos
MQTT-4.3.3-11 publish-qos
MQTT-4.3.3-12 publish-qos
MQTT-4.3.3-13 publish-qos
MQTT-4.4.0-1 publish-qos
MQTT-4.4.0-2 publish-qos
MQTT-4.5.0-1 session
MQTT-4.5.0-2 - ${CLIENT}
MQTT-4.6.0-1 publish-qos
MQTT-4.6.0-2 - ${CLIENT}
MQTT-4.6.0-3 - ${CLIENT}
MQTT-4.6.0-4 - ${CLIENT}
MQTT-4.6.0-5 publish-qos
MQTT-4.6.0-6 publish-qos
MQTT-4.7.0-1 malformed
MQTT-4.7.1-1 subscribe
MQTT-4.7.1-2 subscribe#v5
MQTT-4.7.2-1 subscribe
MQTT-4.7.3-1 malformed
MQTT-4.7.3-2 malformed
MQTT-4.7.3-3 - Nothing to enforce: a string's two-byte length prefix cannot describe more than 65,535 bytes.
MQTT-4.7.3-4 subscribe
MQTT-4.8.2-1 subscribe
MQTT-4.8.2-2 subscribe
MQTT-4.8.2-3 subscribe
MQTT-4.8.2-4 subscribe
MQTT-4.8.2-5 subscribe
MQTT-4.8.2-6 publish-qos
MQTT-4.9.0-1 v5-properties
MQTT-4.9.0-2 v5-properties
MQTT-4.9.0-3 v5-properties
MQTT-4.12.0-1 connect
MQTT-4.12.0-2 enhanced-auth#@mq/client
MQTT-4.12.0-3 - ${CLIENT} The broker takes the client's AUTH 0x18 replies (enhanced-auth.test.ts).
MQTT-4.12.0-4 enhanced-auth
MQTT-4.12.0-5 enhanced-auth#CONNACK carries the method
MQTT-4.12.0-6 v5-properties
MQTT-4.12.0-7 malformed
MQTT-4.12.1-1 enhanced-auth
MQTT-4.12.1-2 enhanced-auth
MQTT-4.13.1-1 connect
MQTT-4.13.2-1 malformed
MQTT-6.0.0-1 websocket
MQTT-6.0.0-2 websocket
MQTT-6.0.0-3 - ${CLIENT}
MQTT-6.0.0-4 websocket
`,
  '3.1.1': `
MQTT-1.5.3-1 malformed
MQTT-1.5.3-2 malformed
MQTT-1.5.3-3 subscribe
MQTT-2.2.2-1 malformed
MQTT-2.2.2-2 malformed
MQTT-2.3.1-1 malformed
MQTT-2.3.1-2 - ${CLIENT}
MQTT-2.3.1-3 - ${CLIENT} The server form is MQTT-2.3.1-4.
MQTT-2.3.1-4 publish-qos
MQTT-2.3.1-5 publish-qos
MQTT-2.3.1-6 publish-qos
MQTT-2.3.1-7 subscribe
MQTT-3.1.0-1 connect
MQTT-3.1.0-2 connect#(3.1.1: close)
MQTT-3.1.2-1 connect
MQTT-3.1.2-2 connect
MQTT-3.1.2-3 connect
MQTT-3.1.2-4 session#stores QoS 1 and 2
MQTT-3.1.2-5 session#stores QoS 1 and 2
MQTT-3.1.2-6 session#Clean Session 1
MQTT-3.1.2-7 retained
MQTT-3.1.2-8 will#non-retained
MQTT-3.1.2-9 connect
MQTT-3.1.2-10 will
MQTT-3.1.2-11 connect
MQTT-3.1.2-12 will
MQTT-3.1.2-13 connect
MQTT-3.1.2-14 connect
MQTT-3.1.2-15 connect
MQTT-3.1.2-16 will
MQTT-3.1.2-17 will
MQTT-3.1.2-18 connect
MQTT-3.1.2-19 connect
MQTT-3.1.2-20 connect
MQTT-3.1.2-21 connect
MQTT-3.1.2-22 connect#malformed
MQTT-3.1.2-23 - ${CLIENT}
MQTT-3.1.2-24 keepalive
MQTT-3.1.3-1 connect
MQTT-3.1.3-2 connect
MQTT-3.1.3-3 connect
MQTT-3.1.3-4 connect
MQTT-3.1.3-5 connect
MQTT-3.1.3-6 connect#3.1.1 client id
MQTT-3.1.3-7 - ${CLIENT} The broker's side is MQTT-3.1.3-8.
MQTT-3.1.3-8 connect#empty 3.1.1
MQTT-3.1.3-9 connect
MQTT-3.1.3-10 connect
MQTT-3.1.3-11 connect
MQTT-3.1.4-1 connect
MQTT-3.1.4-2 takeover
MQTT-3.1.4-3 session
MQTT-3.1.4-4 connect
MQTT-3.1.4-5 connect
MQTT-3.2.0-1 connect
MQTT-3.2.2-1 connect
MQTT-3.2.2-2 connect
MQTT-3.2.2-3 connect#Session Present 0 for Clean Start and 1
MQTT-3.2.2-4 connect
MQTT-3.2.2-5 connect
MQTT-3.2.2-6 connect#malformed
MQTT-3.3.1-1 publish-qos
MQTT-3.3.1-2 publish-qos
MQTT-3.3.1-3 publish-qos
MQTT-3.3.1-4 malformed
MQTT-3.3.1-5 retained#last retained
MQTT-3.3.1-6 retained#last retained
MQTT-3.3.1-7 retained#QoS 0 retained
MQTT-3.3.1-8 retained#last retained
MQTT-3.3.1-9 retained#established
MQTT-3.3.1-10 retained#empty retained
MQTT-3.3.1-11 retained#empty retained
MQTT-3.3.1-12 retained#RETAIN 0
MQTT-3.3.2-1 malformed
MQTT-3.3.2-2 malformed
MQTT-3.3.2-3 subscribe
MQTT-3.3.4-1 publish-qos
MQTT-3.3.5-1 subscribe
MQTT-3.3.5-2 publish-qos
MQTT-3.6.1-1 malformed
MQTT-3.8.1-1 malformed#3.1.1
MQTT-3.8.3-1 malformed
MQTT-3.8.3-2 - Does not apply: the broker supports wildcard subscriptions.
MQTT-3.8.3-3 malformed
MQTT-3.8.3-4 malformed
MQTT-3.8.4-1 subscribe
MQTT-3.8.4-2 subscribe
MQTT-3.8.4-3 subscribe
MQTT-3.8.4-4 subscribe
MQTT-3.8.4-5 subscribe
MQTT-3.8.4-6 mqttjs
MQTT-3.9.3-1 subscribe
MQTT-3.9.3-2 subscribe
MQTT-3.10.1-1 malformed
MQTT-3.10.3-1 malformed
MQTT-3.10.3-2 malformed
MQTT-3.10.4-1 subscribe
MQTT-3.10.4-2 subscribe
MQTT-3.10.4-3 subscribe
MQTT-3.10.4-4 subscribe
MQTT-3.10.4-5 subscribe
MQTT-3.10.4-6 subscribe
MQTT-3.12.4-1 keepalive
MQTT-3.14.1-1 malformed
MQTT-3.14.4-1 - ${CLIENT}
MQTT-3.14.4-2 - ${CLIENT}
MQTT-3.14.4-3 will
MQTT-4.1.0-1 persistence
MQTT-4.1.0-2 mqttjs
MQTT-4.3.1-1 publish-qos
MQTT-4.3.2-1 publish-qos#fresh non-zero ids
MQTT-4.3.2-2 publish-qos#acknowledges QoS 1
MQTT-4.3.3-1 publish-qos#sends QoS 2 to a subscriber
MQTT-4.3.3-2 publish-qos#runs the QoS 2
MQTT-4.4.0-1 publish-qos
MQTT-4.5.0-1 session
MQTT-4.5.0-2 - ${CLIENT}
MQTT-4.6.0-1 publish-qos
MQTT-4.6.0-2 - ${CLIENT}
MQTT-4.6.0-3 - ${CLIENT}
MQTT-4.6.0-4 - ${CLIENT}
MQTT-4.6.0-5 publish-qos
MQTT-4.6.0-6 publish-qos
MQTT-4.7.1-1 malformed
MQTT-4.7.1-2 subscribe#3.1.1
MQTT-4.7.1-3 subscribe
MQTT-4.7.2-1 subscribe
MQTT-4.7.3-1 malformed
MQTT-4.7.3-2 malformed
MQTT-4.7.3-3 - Nothing to enforce: a string's two-byte length prefix cannot describe more than 65,535 bytes.
MQTT-4.7.3-4 subscribe
MQTT-4.8.0-1 subscribe
MQTT-4.8.0-2 publish-qos
MQTT-6.0.0-1 websocket
MQTT-6.0.0-2 websocket
MQTT-6.0.0-3 - ${CLIENT}
MQTT-6.0.0-4 websocket
MQTT-7.0.0-1 - Does not apply: the broker makes no outbound connections to other servers (no bridging).
MQTT-7.0.0-2 mqttjs
MQTT-7.1.1-1 websocket
MQTT-7.1.2-1 - ${CLIENT}
`,
};

const SPEC_FILES = { '5.0': 'mqtt-v5.0-statements.tsv', '3.1.1': 'mqtt-v3.1.1-statements.tsv' };

function specIds(version) {
  const lines = readFileSync(join(specDir, SPEC_FILES[version]), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => l.split('\t')[0]);
}

/** Test titles per test file (the first argument of every it(...)). */
const titleCache = new Map();
function titles(file) {
  if (!titleCache.has(file)) {
    const src = readFileSync(join(pkg, 'test', `${file}.test.ts`), 'utf8');
    const found = [];
    for (const m of src.matchAll(/\bit\(\s*(['`"])((?:\\.|(?!\1).)*)\1/gs))
      found.push(m[2].replace(/\\'/g, "'"));
    titleCache.set(file, found);
  }
  return titleCache.get(file);
}

function buildRows(errors) {
  const rows = [];
  for (const version of ['5.0', '3.1.1']) {
    const entries = new Map();
    for (const line of MAP[version].trim().split('\n')) {
      const m = /^(MQTT-\S+) (.*)$/.exec(line.trim());
      if (!m) throw new Error(`bad map line: ${line}`);
      if (entries.has(m[1])) errors.push(`${version} ${m[1]} mapped twice`);
      entries.set(m[1], m[2]);
    }
    const ids = specIds(version);
    for (const id of entries.keys())
      if (!ids.includes(id)) errors.push(`${version} ${id} is not a spec statement`);
    for (const id of ids) {
      const ref = entries.get(id);
      if (ref === undefined) {
        errors.push(`${version} ${id} is not mapped`);
        continue;
      }
      if (ref.startsWith('- ')) {
        rows.push(`| ${id} | ${version} | – | ${ref.slice(2)} |`);
        continue;
      }
      const [file, fragment] = ref.split('#');
      const title = titles(file).find((t) => t.includes(`[${id}]`) && (!fragment || t.includes(fragment)));
      if (!title) {
        errors.push(
          `${version} ${id}: no test in test/${file}.test.ts with [${id}]${fragment ? ` and "${fragment}"` : ''}`,
        );
        continue;
      }
      rows.push(`| ${id} | ${version} | \`test/${file}.test.ts\` | ${title.replace(/\|/g, '\\|')} |`);
    }
  }
  return rows;
}

function section(rows) {
  return [
    '## @mq/broker',
    '',
    'Paths are under `packages/broker/`. Every statement of both lists has a row: the test that proves it over real sockets (raw packets through `test/harness.ts`, MQTT.js, or `mosquitto_pub`/`mosquitto_sub`), or why it does not bind a server. 5.0 and 3.1.1 sometimes give one id to different rules, so each row names its version; a test title lists the ids it proves in either version. Decoding rules (malformed packets, UTF-8, flags) are enforced by `@mq/codec` and proven here end to end: the broker closes the connection (v5: DISCONNECT with the reason code). Generated and checked by `packages/broker/scripts/conformance.mjs`.',
    '',
    '| statement | version | test file | test title, or why it does not apply |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

const mode = process.argv[2] ?? '--check';
const errors = [];
const wanted = section(buildRows(errors));
if (errors.length > 0) {
  for (const e of errors) console.error(`conformance: ${e}`);
  process.exit(1);
}
const doc = readFileSync(docPath, 'utf8');
const start = doc.indexOf('## @mq/broker\n');
const end = start < 0 ? -1 : doc.indexOf('\n## ', start + 1);
const current = start < 0 ? '' : doc.slice(start, end < 0 ? undefined : end + 1);
if (mode === '--write') {
  const next =
    start < 0
      ? `${doc.trimEnd()}\n\n${wanted}`
      : `${doc.slice(0, start)}${wanted}${end < 0 ? '' : `\n${doc.slice(end + 1)}`}`;
  writeFileSync(docPath, next);
  console.log(`conformance: wrote the @mq/broker section (${wanted.split('\n').length} lines)`);
} else if (current.trimEnd() !== wanted.trimEnd()) {
  console.error(
    'conformance: the @mq/broker section of docs/conformance.md is missing or stale; run with --write',
  );
  process.exit(1);
} else {
  console.log('conformance: every statement of both specs is mapped, every cited test exists');
}
