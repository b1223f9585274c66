import { closestKey } from './format-issues.js';
import { type Overrides, parseSettingValue, SETTINGS } from './settings.js';

export interface EnvResult {
  overrides: Overrides;
  /** MQ_* variables that look like a misspelt setting, with the name they probably meant. */
  warnings: string[];
}

/** Reads the MQ_* variables of SETTINGS; an empty variable counts as unset. */
export function readEnv(env: NodeJS.ProcessEnv): EnvResult {
  const overrides: Record<string, unknown> = {};
  for (const setting of SETTINGS) {
    const raw = env[setting.env];
    if (raw === undefined || raw === '') continue;
    overrides[setting.key] = parseSettingValue(setting, raw, setting.env);
  }
  const known = SETTINGS.map((s) => s.env);
  const warnings: string[] = [];
  for (const name of Object.keys(env)) {
    if (!name.startsWith('MQ_') || known.includes(name as `MQ_${string}`)) continue;
    const meant = closestKey(name, known);
    if (meant) warnings.push(`ignoring environment variable ${name} (did you mean ${meant}?)`);
  }
  return { overrides: overrides as Overrides, warnings };
}
