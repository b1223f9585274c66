import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

// shims: the CommonJS build gets import.meta.url, which load-driver.ts resolves better-sqlite3 from.
export default defineConfig({ ...baseConfig, shims: true });
