import { join } from 'node:path';
import { z } from 'zod';
import { ProtocolError, type ValidationFailure } from '../../proto/index.js';
import type { WorkspaceFile } from './workspace-files.js';

/** secretlint's json formatter; sourceContent is dropped so a secret never reaches a log. */
const SecretlintOutput = z.array(
  z.object({
    filePath: z.string(),
    messages: z.array(
      z.object({
        message: z.string(),
        ruleId: z.string(),
        loc: z.object({ start: z.object({ line: z.number() }) }),
      }),
    ),
  }),
);

/** Files the scan skips: lock files are hashes by the thousand, and .env.example must hold placeholders only. */
const SKIP = /(^|\/)(package-lock\.json|yarn\.lock|pnpm-lock\.yaml)$/;

/**
 * Secrets in the tree, found by secretlint's recommended preset (cloud keys,
 * tokens, private keys, basic-auth URLs...). Messages are masked, so the
 * report can be stored and shown.
 */
export async function scanSecrets(root: string, files: readonly WorkspaceFile[]): Promise<ValidationFailure[]> {
  // secretlint and its formatters take 0.2 s to import (3.7 s on a loaded machine): loaded with the first scan.
  const { createEngine } = await import('@secretlint/node');
  const engine = await createEngine({
    cwd: root,
    configFileJSON: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] },
    formatter: 'json',
    color: false,
    maskSecrets: true,
  });
  const failures: ValidationFailure[] = [];
  for (const file of files) {
    if (SKIP.test(file.path)) continue;
    const { ok, output } = await engine.executeOnContent({ content: file.content, filePath: join(root, file.path) });
    if (ok) continue;
    const parsed = SecretlintOutput.safeParse(JSON.parse(output));
    if (!parsed.success) throw new ProtocolError('internal', `secretlint printed output this version of autodev does not understand (${parsed.error.issues[0]?.message ?? 'invalid'}); reinstall autodev's dependencies (npm install) so secretlint is the version it was built with`);
    for (const result of parsed.data) {
      for (const m of result.messages) {
        failures.push({
          stage: 'security',
          file: file.path,
          line: m.loc.start.line,
          message: `secret in the tree (${m.ruleId.replace('@secretlint/secretlint-rule-', '')}): ${m.message}; move it to an environment variable and list it in .env.example`,
          logExcerpt: `${file.path}:${m.loc.start.line} ${m.message}`,
        });
      }
    }
  }
  return failures;
}
