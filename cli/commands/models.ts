import {
  DEFAULT_EMBEDDING_FOLDER,
  EMBEDDING_MODEL_REPO,
  MODEL_ALIASES,
  ModelListAnswer,
  ProtocolError,
  PullEvent,
  RemoveModelAnswer,
  type PullModelBody,
} from '../../proto/index.js';
import { jsonOrThrow, send, type Connection } from '../client.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command, type CommandContext } from '../command.js';
import { daemonFor } from '../daemon-process.js';
import { CliError, EXIT } from '../errors.js';
import { readNdjson } from '../ndjson.js';

interface PullProgress {
  downloadedBytes: number;
  totalBytes: number;
}

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
commands ask autodevd, which owns that folder; one is started if none runs.

pull takes an hf: URI (hf:USER/REPO:QUANT, e.g. hf:Qwen/Qwen2.5-Coder-7B-Instruct-GGUF:Q4_K_M),
an https:// URL of a .gguf file, or an alias: ${Object.entries(MODEL_ALIASES).map(([k, v]) => `${k} (${v})`).join(', ')},
or embedding (the transformers.js folder ${EMBEDDING_MODEL_REPO}, saved as ${DEFAULT_EMBEDDING_FOLDER}/).
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
    if (action !== 'list' && action !== 'pull' && action !== 'rm') throw new CliError('usage', `models needs list, pull or rm, got "${action ?? ''}"`);
    if (action === 'list' && target) throw new CliError('usage', 'models list takes no argument');
    if (action === 'pull' && !target) throw new CliError('usage', 'models pull needs a URI, URL or alias (master, worker)');
    if (action === 'rm' && !target) throw new CliError('usage', 'models rm needs a NAME from: autodev models list');
    const connection = await connect(ctx);
    if (action === 'list') {
      const { dir, models } = await jsonOrThrow(await send(connection, connection.api.models, '$get'), ModelListAnswer);
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
    if (action === 'rm') {
      const res = await send(connection, connection.api.models[':name'], '$delete', { param: { name: target ?? '' } });
      const { removed } = await jsonOrThrow(res, RemoveModelAnswer);
      if (ctx.json) ctx.out(JSON.stringify({ removed }));
      else ctx.out(`removed ${removed.path}`);
      return EXIT.ok;
    }
    const body: PullModelBody = {
      target: target ?? '',
      ...(typeof values.sha256 === 'string' ? { sha256: values.sha256 } : {}),
      ...(typeof values.name === 'string' ? { name: values.name } : {}),
      ...(typeof values['hf-endpoint'] === 'string' ? { hfEndpoint: values['hf-endpoint'] } : {}),
    };
    const progress = progressReporter(ctx);
    let final: PullEvent;
    try {
      final = await pull(connection, body, progress.update);
    } finally {
      progress.done();
    }
    if (final.type === 'pulled_folder') {
      const folder = final.folder;
      if (ctx.json) ctx.out(JSON.stringify(folder));
      else ctx.out(`saved ${folder.path} (${folder.files.length} files, ${megabytes(folder.bytes)}); memory uses it when "models.embedding" is unset`);
      return EXIT.ok;
    }
    if (final.type !== 'pulled') throw new ProtocolError('internal', `the daemon ended the download with "${final.type}"`);
    const result = final.model;
    if (ctx.json) ctx.out(JSON.stringify(result));
    else {
      ctx.out(`saved ${result.path} (${megabytes(result.bytes)})`);
      ctx.out(result.verifiedBy ? `sha256 ${result.sha256} verified (${result.verifiedBy})` : `sha256 ${result.sha256} (not verified: no expected hash was given or published)`);
    }
    return EXIT.ok;
  },
};

/** The home's daemon, started in the background the way `submit` does when none answers. */
async function connect(ctx: CommandContext): Promise<Connection> {
  return daemonFor(ctx);
}

/** Streams `POST /models/pull`: progress to `onProgress`, then the final line; an `error` line is thrown as the daemon's error. */
async function pull(connection: Connection, body: PullModelBody, onProgress: (p: PullProgress) => void): Promise<PullEvent> {
  const res = await send(connection, connection.api.models.pull, '$post', { json: body });
  if (!res.ok) {
    await jsonOrThrow(res, PullEvent);
    throw new ProtocolError('internal', `the daemon answered HTTP ${res.status}`);
  }
  for await (const event of readNdjson(res.body, PullEvent)) {
    if (event.type === 'progress') onProgress(event);
    else if (event.type === 'error') throw ProtocolError.fromWire(event.error);
    else return event;
  }
  throw new CliError('unreachable', 'the daemon closed the download before it finished; run the same pull again to resume it');
}
