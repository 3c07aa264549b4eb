import { spawn } from 'node:child_process';

/** The desktop's "open this URL" program, or null where there is none to try. */
function opener(platform: NodeJS.Platform, env: Readonly<Record<string, string | undefined>>): string | null {
  if (platform === 'darwin') return 'open';
  if (platform === 'win32') return null;
  // With no display, xdg-open would fall back to a text browser inside this terminal.
  return env.DISPLAY || env.WAYLAND_DISPLAY ? 'xdg-open' : null;
}

/**
 * Asks the desktop to open `url`; true when the opener started. The opener
 * runs detached with no stdio, so a browser that keeps running does not hold
 * the command open.
 */
export function openInBrowser(url: string, env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  const program = opener(platform, env);
  if (program === null) return Promise.resolve(false);
  return new Promise((resolve) => {
    const child = spawn(program, [url], { detached: true, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}
