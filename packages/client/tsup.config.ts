import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

// Two entries: index (Node transports) and browser (WebSocket only, never imports node:* or ws).
export default defineConfig({ ...baseConfig, entry: ['src/index.ts', 'src/browser.ts'] });
