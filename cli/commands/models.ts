import { loadConfig } from '../../daemon/config.js';
import { MODEL_ALIASES, pullModel, type PullProgress } from '../../actors/models/model-pull.js';
import { EMBEDDING_MODEL, pullModelFolder } from '../../actors/models/model-pull-folder.js';
import { DEFAULT_EMBEDDING_FOLDER } from '../../daemon/model-registry.js';
import { listModels, removeModel } from '../../actors/models/model-store.js';
import { join } from 'node:path';
import { COMMON_HELP, COMMON_OPTIONS, type Command, type CommandContext } from '../command.js';
import { CliError, EXIT } from '../errors.js';

const BAR_WIDTH = 30;

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** A redrawn bar on a terminal, a line per 10% otherwise, nothing with --json. */
function progressReporter(ctx: CommandContext): { update: (p: PullProgress) => void; done: () => void } {
  let lastStep = -1;
  return {
    update(p) {
      if (ctx.json || p.totalBytes <= 0) return;
      const fraction = Math.min(1, p.downloadedBytes / p.totalBytes);
      if (ctx.interactive) {
        const filled = Math.round(fraction * BAR_WIDTH);
        ctx.write(`\r[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${megabytes(p.downloadedBytes)} / ${megabytes(p.totalBytes)}`);
        return;
      }
      const step = Math.floor(fraction * 10);
      if (step === lastStep) return;
      lastStep = step;
      ctx.out(`downloaded ${step * 10}% (${megabytes(p.downloadedBytes)} of ${megabytes(p.totalBytes)})`);
    },
    done() {
      if (ctx.interactive && !ctx.json) ctx.write('\n');
    },
  };
}

export const modelsCommand: Command = {
  name: 'models',
  summary: 'list, download (pull) or remove local models',
  usage: `Usage: autodev models list [--json]
       autodev models pull URI|ALIAS [--sha256 HEX] [--name FILE] [--hf-endpoint URL] [--json]
       autodev models rm NAME [--json]

Models live in "models.dir" of config.json (default: HOME/models). These
commands work on that folder directly; no daemon is needed.

pull takes an hf: URI (hf:USER/REPO:QUANT, e.g. hf:Qwen/Qwen2.5-Coder-7B-Instruct-GGUF:Q4_K_M),
an https:// URL of a .gguf file, or an alias: ${Object.entries(MODEL_ALIASES).map(([k, v]) => `${k} (${v})`).join(', ')},
or embedding (the transformers.js folder ${EMBEDDING_MODEL.repo}, saved as ${EMBEDDING_MODEL.folder}/).
An interrupted pull resumes when run again. The file's sha256 is checked against
--sha256, else a URL's "<url>.sha256" sidecar, else the Hugging Face manifest; a
mismatch deletes the file. Then point a role at it in config.json, e.g.
"models": { "worker": { "path": "models/FILE.gguf" } }.

The embedding role (memory) reads a transformers.js folder, by default
HOME/models/${DEFAULT_EMBEDDING_FOLDER} ("models.embedding" to change it).

Options:
  --sha256 HEX        expected sha256 of the file
  --name FILE         file name to save as
  --hf-endpoint URL   base of hf: URIs (else "models.hfEndpoint", else https://huggingface.co/)
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS, sha256: { type: 'string' }, name: { type: 'string' }, 'hf-endpoint': { type: 'string' } },
  async run(ctx, values, positionals) {
    const [action, target, ...extra] = positionals;
    if (extra.length > 0) throw new CliError('usage', `unexpected arguments: ${extra.join(' ')}`);
    const config = await loadConfig(ctx.home, {}, {});
    const dir = config.models.dir ?? join(ctx.home, 'models');
    if (action === 'list') {
      if (target) throw new CliError('usage', 'models list takes no argument');
      const models = await listModels(dir);
      if (ctx.json) ctx.out(JSON.stringify({ dir, models }));
      else if (models.length === 0) ctx.out(`no models in ${dir}; download one with: autodev models pull worker`);
      else {
        for (const m of models) {
          const note = m.partial ? 'partial: pull again to resume' : m.sha256 ? `sha256 ${m.sha256.slice(0, 12)}…` : m.kind;
          ctx.out(`${m.name.padEnd(48)} ${megabytes(m.bytes).padStart(10)}  ${note}`);
        }
      }
      return EXIT.ok;
    }
    if (action === 'pull') {
      if (!target) throw new CliError('usage', 'models pull needs a URI, URL or alias (master, worker)');
      const uri = MODEL_ALIASES[target] ?? target;
      const progress = progressReporter(ctx);
      const hfEndpoint = typeof values['hf-endpoint'] === 'string' ? values['hf-endpoint'] : config.models.hfEndpoint;
      if (target === 'embedding') {
        const folder = await pullModelFolder({ model: EMBEDDING_MODEL, dir, onProgress: progress.update, ...(hfEndpoint ? { hfEndpoint } : {}) }).finally(progress.done);
        if (ctx.json) ctx.out(JSON.stringify(folder));
        else ctx.out(`saved ${folder.path} (${folder.files.length} files, ${megabytes(folder.bytes)}); memory uses it when "models.embedding" is unset`);
        return EXIT.ok;
      }
      try {
        const result = await pullModel({
          uri,
          dir,
          onProgress: progress.update,
          ...(typeof values.sha256 === 'string' ? { sha256: values.sha256 } : {}),
          ...(typeof values.name === 'string' ? { fileName: values.name } : {}),
          ...(hfEndpoint ? { hfEndpoint } : {}),
        });
        progress.done();
        if (ctx.json) ctx.out(JSON.stringify(result));
        else {
          ctx.out(`saved ${result.path} (${megabytes(result.bytes)})`);
          ctx.out(result.verifiedBy ? `sha256 ${result.sha256} verified (${result.verifiedBy})` : `sha256 ${result.sha256} (not verified: no expected hash was given or published)`);
        }
      } catch (error) {
        progress.done();
        throw error;
      }
      return EXIT.ok;
    }
    if (action === 'rm') {
      if (!target) throw new CliError('usage', 'models rm needs a NAME from: autodev models list');
      const removed = await removeModel(dir, target);
      if (ctx.json) ctx.out(JSON.stringify({ removed }));
      else ctx.out(`removed ${removed.path}`);
      return EXIT.ok;
    }
    throw new CliError('usage', `models needs list, pull or rm, got "${action ?? ''}"`);
  },
};
