import { existsSync } from 'node:fs';
/**
 * The npm configuration every npm the daemon starts on a generated project
 * runs with. npm reads a project's `.npmrc` whatever flags it is given, and
 * several of its keys name programs it then runs (`git=./evil.sh` for a git
 * dependency, even with --ignore-scripts) or files it loads: the project is
 * an adversary, so its `.npmrc` is never shown to npm (the sandbox masks it,
 * host npm never sees it), and only the settings below are carried over,
 * validated, as npm_config_* variables set by the daemon.
 */

const BOOLEAN = /^(true|false)$/;

/**
 * Settings a project may choose: how its dependency tree is resolved and
 * saved, nothing that names a program, a file, a host or a credential, and
 * nothing about scripts (the daemon's --ignore-scripts wins regardless).
 * Each value must match in full; anything else is dropped.
 */
export const ALLOWED_NPMRC_KEYS: ReadonlyMap<string, RegExp> = new Map([
  ['legacy-peer-deps', BOOLEAN],
  ['strict-peer-deps', BOOLEAN],
  ['engine-strict', BOOLEAN],
  ['prefer-dedupe', BOOLEAN],
  ['install-links', BOOLEAN],
  ['package-lock', BOOLEAN],
  ['save-exact', BOOLEAN],
  ['save-prefix', /^[\^~]$/],
  ['install-strategy', /^(hoisted|nested|shallow|linked)$/],
  ['lockfile-version', /^[123]$/],
  ['omit', /^(dev|optional|peer)$/],
  ['include', /^(prod|dev|optional|peer)$/],
]);

/**
 * npm 11's keys that name a program it runs, a module it loads, or a config
 * file it reads (from `npm config ls -l` and npm's config docs), each pinned
 * to a safe value. The mask alone keeps the project's `.npmrc` out; these
 * hold whatever npm would otherwise find, since the environment outranks
 * every config file. A value must not be empty: npm skips empty variables.
 *
 * `node-gyp` is the one such key left at its default, npm's own copy, whose
 * path only npm knows; no file npm reads here can change it (the project's
 * is masked, user and global configs are paths that cannot exist, builtin
 * is npm's own).
 * `viewer` accepts only man, woman or browser, so browser=false covers it.
 */
export const PINNED_NPM_KEYS: Readonly<Record<string, string>> = {
  git: 'git',
  'script-shell': '/bin/sh',
  shell: '/bin/sh',
  editor: '/bin/false',
  browser: 'false',
  viewer: 'browser',
  // Node's own default, spelled out: npm passes this as NODE_OPTIONS to every script it runs.
  'node-options': '--unhandled-rejections=throw',
  // Paths that can never exist (/dev/null is no folder), so npm reads nothing there; two, since npm refuses one file as both configs.
  'init-module': '/dev/null/npm-init.js',
  userconfig: '/dev/null/npmrc-user',
  globalconfig: '/dev/null/npmrc-global',
};

/**
 * git as npm runs it for a git dependency: no config from the sandbox's
 * home, and hooks, fsmonitor and local-path clones off through the command
 * line layer, which outranks the config of any repository git opens (a
 * clone's, or one a project left in the workspace).
 */
const GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_COUNT: '3',
  GIT_CONFIG_KEY_0: 'core.hooksPath',
  GIT_CONFIG_VALUE_0: '/dev/null',
  GIT_CONFIG_KEY_1: 'core.fsmonitor',
  GIT_CONFIG_VALUE_1: 'false',
  GIT_CONFIG_KEY_2: 'protocol.file.allow',
  GIT_CONFIG_VALUE_2: 'never',
};

/** `key` as npm reads it from the environment. */
export const npmEnvName = (key: string) => `npm_config_${key.replaceAll('-', '_')}`;

/**
 * The allowed settings of an `.npmrc` text, as npm_config_* variables.
 * Only top-level `key=value` lines count (a `[section]` ends them); a value
 * may be quoted; a later line wins, as in npm. Nothing of the text is ever
 * echoed: a dropped line is simply dropped.
 */
export function allowedNpmEnv(npmrc: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of npmrc.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('[')) break;
    const eq = line.indexOf('=');
    if (line === '' || line.startsWith('#') || line.startsWith(';') || eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = unquote(line.slice(eq + 1).trim());
    const allowed = ALLOWED_NPMRC_KEYS.get(key);
    if (allowed?.test(value)) env[npmEnvName(key)] = value;
  }
  return env;
}

/**
 * The host's system CA bundle, which the sandbox sees read-only (/etc/ssl is
 * shared: host-root.ts). With the global config pinned away, npm would
 * otherwise lose the `cafile` a host sets there (Debian's npm reads
 * /usr/etc/npmrc), and a registry reached through a TLS-inspecting proxy
 * fails with SELF_SIGNED_CERT_IN_CHAIN. Trust is the host's to decide,
 * never the project's.
 */
export const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** What a sandboxed npm runs with: the project's allowed settings, then every pinned key and git's settings over them. */
export function sandboxNpmEnv(allowed: Record<string, string>, caBundle: string | null = existsSync(SYSTEM_CA_BUNDLE) ? SYSTEM_CA_BUNDLE : null): Record<string, string> {
  const pinned = Object.fromEntries(Object.entries(PINNED_NPM_KEYS).map(([key, value]) => [npmEnvName(key), value]));
  const trust: Record<string, string> = caBundle ? { npm_config_cafile: caBundle } : {};
  return { ...allowed, ...pinned, ...trust, ...GIT_ENV, npm_config_update_notifier: 'false' };
}

function unquote(value: string): string {
  const quoted = value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0];
  return quoted ? value.slice(1, -1) : value;
}
