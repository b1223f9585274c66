import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { installPackedPackages, type PackedInstall } from '../../../test-support/pack-install.js';
import { hasSqliteDriver } from './native.js';

/** The folder holding this workspace's built better-sqlite3 (and its own dependencies beside it). */
function workspaceDriverDir(): string {
  const pkg = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
  return dirname(dirname(realpathSync(pkg)));
}

const probe = [
  "const p = new m.SqlitePersistence(':memory:');",
  "p.putRetained({ topic: 'a/b', payload: Uint8Array.of(0, 255), qos: 1, retain: true })",
  "  .then(() => p.matchRetained('a/#'))",
  "  .then((found) => { console.log(found[0].topic + ' ' + Array.from(found[0].payload).join(',') + ' v' + m.SCHEMA_VERSION); return p.close(); });",
].join('\n');

const withoutDriver = [
  "try { new m.SqlitePersistence(':memory:'); console.log('opened'); }",
  'catch (e) { console.log(e.name + " " + e.code + " " + /npm rebuild better-sqlite3/.test(e.message)); }',
].join('\n');

// Proves the published artefact, not the source: the packed tarballs installed into an empty folder.
// npm would compile better-sqlite3 there from source (a minute or more, no prebuilt binaries here), so
// the optional dependency is left out: the install proves the package loads and explains a missing
// driver, and NODE_PATH then lends it this workspace's compiled driver to open a real database.
describe('@mq/sqlite as installed from its tarball', () => {
  let install: PackedInstall;
  const saved = { omit: process.env.npm_config_omit, nodePath: process.env.NODE_PATH };
  afterAll(() => {
    install?.dispose();
    process.env.npm_config_omit = saved.omit;
    process.env.NODE_PATH = saved.nodePath;
    if (saved.omit === undefined) delete process.env.npm_config_omit;
    if (saved.nodePath === undefined) delete process.env.NODE_PATH;
  });

  it('installs with the broker, loads through require() and import, and names the fix for a missing driver', () => {
    process.env.npm_config_omit = 'optional';
    // pnpm sets NODE_PATH for the scripts it runs, which would lend the driver to the first probe too.
    delete process.env.NODE_PATH;
    install = installPackedPackages([
      'packages/codec',
      'packages/topic-trie',
      'packages/broker',
      'packages/sqlite',
    ]);
    const expected = 'SqliteStoreError DRIVER_UNAVAILABLE true';
    expect(install.require(`const m = require('@mq/sqlite');\n${withoutDriver}`)).toBe(expected);
    expect(install.import(`import * as m from '@mq/sqlite';\n${withoutDriver}`)).toBe(expected);
  }, 180_000);

  it.runIf(hasSqliteDriver())('opens a database through the installed code once the driver is there', () => {
    process.env.NODE_PATH = workspaceDriverDir();
    expect(install.require(`const m = require('@mq/sqlite');\n${probe}`)).toBe('a/b 0,255 v2');
    expect(install.import(`import * as m from '@mq/sqlite';\n${probe}`)).toBe('a/b 0,255 v2');
  });
});
