import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import {
  type BrokerOptions,
  createSecurity,
  loadAclFile,
  loadPasswordFile,
  type TlsSettings,
} from '@mq/broker';
import type { Config, TlsListener } from './config-schema.js';
import { StartupError } from './errors.js';
import type { Logger } from './logger.js';

/** Reads a file named in the config; a missing or unreadable one is a config error naming its key. */
function readConfigured(path: string, key: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : String(error);
    throw new StartupError('ERR_CONFIG', `${key}: cannot read ${path}: ${reason}`, { cause: error });
  }
}

function tlsSettings(listener: TlsListener, section: string): TlsSettings {
  const settings: TlsSettings = {
    cert: readConfigured(listener.cert, `${section}.cert`),
    key: readConfigured(listener.key, `${section}.key`),
  };
  if (listener.ca !== undefined) settings.ca = readConfigured(listener.ca, `${section}.ca`);
  try {
    // Checked now, naming the fields: a key that does not match its certificate, or a file that is not
    // PEM, would otherwise surface as a bare OpenSSL message when the listener starts.
    createSecureContext({ cert: settings.cert, key: settings.key, ...(settings.ca && { ca: settings.ca }) });
  } catch (error) {
    throw new StartupError(
      'ERR_CONFIG',
      `${section}.cert / ${section}.key: ${(error as Error).message} (${listener.cert}, ${listener.key})`,
      { cause: error },
    );
  }
  if (listener.requestCert && listener.ca === undefined) {
    // Without it node checks client certificates against its public root CAs: anyone with a certificate
    // from a public CA would get in, and with useIdentityAsUsername choose their user name.
    throw new StartupError(
      'ERR_CONFIG',
      `${section}.requestCert: needs ${section}.ca, the CA that signs your clients' certificates`,
    );
  }
  if (listener.requestCert) {
    // The handshake completes so that a client without a valid certificate gets a CONNACK reason code.
    settings.requestCert = true;
    settings.rejectUnauthorized = false;
  }
  if (listener.useIdentityAsUsername) settings.useIdentityAsUsername = true;
  if (listener.minVersion) settings.minVersion = listener.minVersion;
  return settings;
}

/** Anonymous clients are allowed unless the config says otherwise or a password file is set. */
export function allowsAnonymous(config: Config): boolean {
  return config.auth.allowAnonymous ?? config.auth.passwordFile === undefined;
}

function security(config: Config): BrokerOptions['auth'] {
  const { passwordFile, aclFile } = config.auth;
  // Each file on its own, so an error names its field and its file.
  const passwords =
    passwordFile === undefined ? undefined : loadNamed(passwordFile, 'auth.passwordFile', loadPasswordFile);
  const acl = aclFile === undefined ? undefined : loadNamed(aclFile, 'auth.aclFile', loadAclFile);
  return createSecurity({
    allowAnonymous: allowsAnonymous(config),
    ...(passwords !== undefined && { passwords }),
    ...(acl !== undefined && { acl }),
  });
}

function loadNamed<T>(path: string, key: string, load: (path: string) => T): T {
  try {
    return load(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const detail = code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new StartupError('ERR_CONFIG', `${key}: ${path}: ${detail}`, { cause: error });
  }
}

/** The one place where the app's config vocabulary meets @mq/broker's options; reads cert, password and ACL files. */
export function toBrokerOptions(config: Config, logger: Logger, version: string): BrokerOptions {
  const { reserveFileDescriptors, ...limits } = config.limits;
  const { mqtt, ws, mqtts, wss } = config.listeners;
  const listeners: NonNullable<BrokerOptions['listeners']> = [
    { type: 'tcp', host: mqtt.host, port: mqtt.port, ...(mqtt.engine && { engine: mqtt.engine }) },
  ];
  if (ws.port !== 0) listeners.push({ type: 'ws', host: ws.host, port: ws.port, path: ws.path });
  if (mqtts) {
    listeners.push({
      type: 'tls',
      host: mqtts.host,
      port: mqtts.port,
      tls: tlsSettings(mqtts, 'listeners.mqtts'),
    });
  }
  if (wss) {
    listeners.push({
      type: 'wss',
      host: wss.host,
      port: wss.port,
      path: wss.path,
      tls: tlsSettings(wss, 'listeners.wss'),
    });
  }
  return {
    listeners,
    auth: security(config),
    limits: {
      ...limits,
      maxQueuedMessages: config.queue.maxMessages,
      queuePolicy: config.queue.policy,
      maxInflight: config.queue.maxInflight,
    },
    sessionExpiryMaxSeconds: config.session.expiryMaxSeconds,
    reserveFileDescriptors,
    sys: { enabled: config.sys.enabled, intervalMs: config.sys.intervalMs },
    version: `mq-broker ${version}`,
    // The library's own info lines repeat what the app announces; they show from --log-level debug.
    logger: logger.child({ component: 'broker' }, { level: logger.level === 'info' ? 'warn' : logger.level }),
  };
}
