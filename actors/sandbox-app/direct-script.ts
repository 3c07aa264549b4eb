import { lstatSync } from 'node:fs';
import { join } from 'node:path';

/** What in the project, besides package.json, changes how `npm run` would run a script. */
export interface ProjectNpmSetup {
  /** node_modules/.bin/node exists (or cannot be ruled out): npm puts node_modules/.bin first on PATH, so `node` would be the package's. */
  hasLocalNodeBin: boolean;
  /** The project has an .npmrc: its settings reach the script through npm (node-options becomes NODE_OPTIONS), never through a direct run. */
  hasNpmrc: boolean;
}

/** `node` and its arguments, each made only of characters a shell passes through unchanged. */
const PLAIN_NODE = /^[ \t]*node(?:[ \t]+[A-Za-z0-9_./@=:,+-]+)*[ \t]*$/;

/**
 * The argv that runs an npm script the way `npm run <name>` would, or null
 * when only npm can run it faithfully. Starting npm costs about 250-300 ms of
 * CPU per run on the 2-core machines, paid on every test stage and app start,
 * so a script that is plain `node …` is run as node itself. It is the same
 * run only when npm would add nothing: no shell syntax (quotes, `$`, globs,
 * `&&`, redirections, an env assignment: npm runs the line through `sh -c`),
 * no pre<name>/post<name> scripts (npm runs them around it), no `node` of the
 * project's own in node_modules/.bin (npm puts that folder first on PATH),
 * and no project .npmrc. npm also puts every ancestor folder's
 * node_modules/.bin on PATH; bubblewrap and docker show the project at
 * /workspace, whose only ancestor is the sandbox's root. What a direct run lacks is npm's own
 * environment: npm_lifecycle_event, npm_package_json, npm_config_* and the
 * other npm_* variables are not set, which a script of plain `node` does not
 * read in practice.
 */
export function directNodeArgv(scripts: Readonly<Record<string, string>>, name: string, setup: ProjectNpmSetup): string[] | null {
  const has = (key: string) => Object.hasOwn(scripts, key);
  const script = has(name) ? scripts[name] : undefined;
  if (script === undefined || !PLAIN_NODE.test(script)) return null;
  if (has(`pre${name}`) || has(`post${name}`)) return null;
  if (setup.hasLocalNodeBin || setup.hasNpmrc) return null;
  return script.trim().split(/[ \t]+/);
}

/**
 * Reads the project's folder for ProjectNpmSetup, following no link: a link
 * the project planted may point anywhere on the host, and the sandbox, which
 * sees other folders, may resolve it differently. So whatever is there and is
 * not a plain folder on the way (node_modules or .bin a link) counts as a
 * local `node` that may exist; an entry named node of any kind counts as one.
 */
export function projectNpmSetup(root: string): ProjectNpmSetup {
  const entry = (...parts: string[]) => {
    try {
      return lstatSync(join(root, ...parts));
    } catch {
      return null;
    }
  };
  const localNode = (): boolean => {
    const modules = entry('node_modules');
    if (modules === null) return false;
    if (!modules.isDirectory()) return true;
    const bin = entry('node_modules', '.bin');
    if (bin === null) return false;
    return !bin.isDirectory() || entry('node_modules', '.bin', 'node') !== null;
  };
  return { hasLocalNodeBin: localNode(), hasNpmrc: entry('.npmrc') !== null };
}
