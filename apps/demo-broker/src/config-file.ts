import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { type ConfigFile, configFileSchema } from './config-schema.js';
import { StartupError } from './errors.js';
import { formatIssues } from './format-issues.js';

/** Parses YAML (or JSON, by extension) text; syntax errors name the file, line and column. */
export function parseConfigText(file: string, text: string): unknown {
  if (extname(file).toLowerCase() === '.json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new StartupError('ERR_CONFIG', `${file}: invalid JSON: ${detail}`, { cause: error });
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const [first] = doc.errors;
  if (first) {
    const where = lineCounter.linePos(first.pos[0]);
    const at = `:${where.line}:${where.col}`;
    throw new StartupError('ERR_CONFIG', `${file}${at}: invalid YAML: ${first.message.split('\n')[0]}`);
  }
  return doc.toJS() ?? {};
}

/** Validates parsed content against the strict schema; every problem is listed, one per line. */
export function validateConfig(file: string, content: unknown): ConfigFile {
  const result = configFileSchema.safeParse(content, { reportInput: true });
  if (result.success) return result.data;
  const lines = formatIssues(file, result.error.issues, configFileSchema);
  throw new StartupError('ERR_CONFIG', lines.join('\n'));
}

export function loadConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(error);
    throw new StartupError('ERR_CONFIG', `${file}: cannot read config file: ${reason}`, { cause: error });
  }
  return validateConfig(file, parseConfigText(file, text));
}
