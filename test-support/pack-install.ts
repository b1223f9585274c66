import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '..');

export interface PackedInstall {
  /** Folder with a package.json whose node_modules holds the installed tarballs. */
  dir: string;
  /** Runs a CommonJS snippet in the install folder and returns its trimmed stdout. */
  require(code: string): string;
  /** Runs an ES module snippet in the install folder and returns its trimmed stdout. */
  import(code: string): string;
  /** The same without blocking this process, for snippets that talk to a server running in the test. */
  run(kind: 'commonjs' | 'module', code: string): Promise<string>;
  dispose(): void;
}

/**
 * Packs the given workspace packages (`pnpm pack` turns `workspace:` ranges into versions) and installs the
 * tarballs with npm into an empty folder, exactly as a user installing from the registry would get them.
 * Packages must be built first (`pnpm build`; turbo's test task depends on it).
 */
export function installPackedPackages(packageDirs: string[]): PackedInstall {
  const dir = mkdtempSync(join(tmpdir(), 'mq-pack-'));
  const tarballs = join(dir, 'tarballs');
  mkdirSync(tarballs);
  for (const rel of packageDirs) {
    const pkgDir = join(repoRoot, rel);
    if (!existsSync(join(pkgDir, 'dist'))) throw new Error(`${rel} is not built: run pnpm build first`);
    execFileSync('pnpm', ['pack', '--pack-destination', tarballs], { cwd: pkgDir, stdio: 'pipe' });
  }
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-check', private: true }));
  const files = readdirSync(tarballs).map((f) => join(tarballs, f));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', ...files], {
    cwd: app,
    stdio: 'pipe',
  });
  const node = (args: string[]) => execFileSync('node', args, { cwd: app, encoding: 'utf8' }).trim();
  return {
    dir: app,
    require: (code) => node(['--input-type=commonjs', '-e', code]),
    import: (code) => node(['--input-type=module', '-e', code]),
    run: (kind, code) =>
      new Promise((resolvePromise, reject) => {
        execFile(
          'node',
          [`--input-type=${kind}`, '-e', code],
          { cwd: app, encoding: 'utf8' },
          (error, stdout) => (error ? reject(error) : resolvePromise(stdout.trim())),
        );
      }),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
