// Dotfiles (.gitignore, .github/…) are allowed; `.`, `..` and `.git` are refused below.
const SEGMENT = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/;
export const MAX_PATH_CHARS = 200;
export const MAX_PATH_DEPTH = 8;

/**
 * Why a path that model output names cannot be written, or null when it can:
 * relative, plain segments, never `..`, never inside `.git` or `node_modules`.
 * The rule is part of the contract (GeneratedFile.path), so a worker in
 * another process is held to the same one.
 */
export function safePathProblem(path: string): string | null {
  if (path.length === 0) return 'empty';
  if (path.length > MAX_PATH_CHARS) return `longer than ${MAX_PATH_CHARS} characters`;
  if (path.startsWith('/') || path.includes('\\')) return 'must be relative, with forward slashes';
  const segments = path.split('/');
  if (segments.length > MAX_PATH_DEPTH) return `deeper than ${MAX_PATH_DEPTH} folders`;
  for (const segment of segments) {
    if (segment === '..' || segment === '.') return 'contains . or ..';
    if (!SEGMENT.test(segment)) return `segment "${segment}" has characters outside A-Z a-z 0-9 _ . -`;
    if (segment.toLowerCase() === '.git') return 'writes inside .git';
    // The install step owns node_modules, and it is kept between validation attempts.
    if (segment.toLowerCase() === 'node_modules') return 'writes inside node_modules: list the package in package.json instead';
  }
  return null;
}
