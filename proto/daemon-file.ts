import { DaemonInfo } from './api.js';

/**
 * daemon.json's text as both sides read it (the daemon before it starts, the
 * CLI to find it): anything that is not JSON or not a `DaemonInfo` means "no
 * daemon", never an error. Pure, so both may import it; each side reads the
 * file itself. Apart from proto/home.ts, which `autodev --help` loads without zod.
 */
export function parseDaemonFile(text: string): DaemonInfo | null {
  try {
    const parsed = DaemonInfo.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
