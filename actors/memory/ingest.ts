import type { Blueprint } from '../../proto/index.js';
import type { MemoryStoreInput } from '../../proto/memory.js';
import { DEFAULT_CHUNK_SIZES, type Chunk, type ChunkSizes } from './chunking/chunk.js';
import { chunkMarkdown } from './chunking/markdown-chunks.js';
import { chunkOpenApi } from './chunking/openapi-chunks.js';
import { chunkText } from './chunking/text-chunks.js';
import type { KeyedInput, LanceMemoryStore } from './lance-memory-store.js';

const MAX_TAGS = 50;

/** Chunk names become tags (capped by the schema), so search_by_metadata can find `function createUser`. */
function tagsOf(chunk: Chunk, extra: readonly string[]): string[] {
  const names = chunk.names.map((n) => n.slice(0, 100));
  return [...new Set([...extra, ...names])].slice(0, MAX_TAGS);
}

/**
 * The job's API docs, at the start of the job: re-ingesting (after a crash,
 * say) replaces them instead of adding a second copy.
 */
export async function ingestBlueprint(store: LanceMemoryStore, blueprint: Blueprint, sizes: ChunkSizes = DEFAULT_CHUNK_SIZES): Promise<number> {
  const spec = blueprint.spec;
  const sourced: Array<{ source: string; chunk: Chunk }> = [];
  if (spec?.kind === 'openapi') {
    for (const chunk of chunkOpenApi(spec.title, spec.operations, sizes)) sourced.push({ source: 'spec:openapi', chunk });
  } else if (spec?.kind === 'markdown') {
    const text = spec.sections.map((s) => `${'#'.repeat(Math.max(1, s.depth))} ${s.heading}\n\n${s.content}`).join('\n\n');
    for (const chunk of chunkMarkdown(text, sizes)) sourced.push({ source: 'spec:markdown', chunk });
  } else if (spec?.kind === 'text') {
    for (const chunk of chunkText(spec.text, sizes)) sourced.push({ source: 'spec:text', chunk });
  }
  const requirements = blueprint.requirements.join('\n');
  if (requirements) for (const chunk of chunkText(requirements, sizes)) sourced.push({ source: 'requirements', chunk });
  const keyed: KeyedInput[] = sourced.map(({ source, chunk }, i) => ({
    id: `api_doc:${i}`,
    input: { content: chunk.content, metadata: { type: 'api_doc', source, tags: tagsOf(chunk, []) } },
  }));
  await store.upsert(keyed, { type: 'api_doc' });
  return keyed.length;
}

export interface CommittedFile {
  path: string;
  content: string;
}

/**
 * A task's files after its commit. Each file's chunks replace every older
 * chunk of that file in one commit, so memory holds one version of the code:
 * the one `version` names.
 */
export async function ingestCommit(
  store: LanceMemoryStore,
  commit: { files: readonly CommittedFile[]; version: string; taskId: string },
  sizes: ChunkSizes = DEFAULT_CHUNK_SIZES,
): Promise<string[]> {
  const ids: string[] = [];
  // Code is chunked at declarations with TypeScript's parser, 1 s to import: loaded with the first commit ingested.
  const { chunkFile } = await import('./chunking/chunk-file.js');
  for (const file of commit.files) {
    const chunks = chunkFile(file.path, file.content, sizes);
    const keyed = chunks.map((chunk, i) => ({
      id: `code:${file.path}#${i}`,
      input: {
        content: `// ${file.path} lines ${chunk.startLine}-${chunk.endLine}\n${chunk.content}`,
        metadata: { type: 'code', source: file.path, taskId: commit.taskId, version: commit.version, tags: tagsOf(chunk, []) },
      } satisfies MemoryStoreInput,
    }));
    await store.upsert(keyed, { type: 'code', source: file.path });
    ids.push(...keyed.map((k) => k.id));
  }
  return ids;
}

export interface TaskFacts {
  taskId: string;
  role: string;
  description: string;
  status: string;
  summary: string | null;
  files: readonly string[];
  commit: string | null;
}

/** One record per task, replaced as the task moves on. */
export async function ingestTask(store: LanceMemoryStore, task: TaskFacts): Promise<void> {
  const lines = [`task ${task.taskId} (${task.role}): ${task.description}`, `status: ${task.status}`];
  if (task.summary) lines.push(`summary: ${task.summary}`);
  if (task.files.length) lines.push(`files: ${task.files.join(', ')}`);
  await store.upsert([
    {
      id: `task:${task.taskId}`,
      input: {
        content: lines.join('\n'),
        metadata: { type: 'task', source: `task:${task.taskId}`, taskId: task.taskId, version: task.commit, tags: [task.role, task.status] },
      },
    },
  ]);
}

export interface ErrorFacts {
  taskId: string;
  role: string;
  code: string;
  message: string;
  attempt: number;
}

/**
 * An error as it happens, in the job's memory and in the global table, where
 * later jobs meeting the same error can find it and how it was fixed.
 */
export async function ingestError(stores: { job: LanceMemoryStore; global: LanceMemoryStore }, jobId: string, error: ErrorFacts): Promise<void> {
  const content = `error in ${error.role} task ${error.taskId} (attempt ${error.attempt}): ${error.code}: ${error.message}`.slice(0, 20_000);
  const metadata = { type: 'error' as const, source: `job:${jobId}`, taskId: error.taskId, tags: [error.role, error.code] };
  await stores.job.upsert([{ id: `error:${error.taskId}:${error.attempt}`, input: { content, metadata } }]);
  await stores.global.upsert([{ id: `error:${jobId}:${error.taskId}:${error.attempt}`, input: { content, metadata } }]);
}

/** When a task that failed before finally passes, the global table learns the fix. */
export async function ingestFix(global: LanceMemoryStore, jobId: string, fix: { taskId: string; role: string; error: string; summary: string; files: readonly string[] }): Promise<void> {
  const content = [`error: ${fix.error}`, `fixed by ${fix.role} task ${fix.taskId}: ${fix.summary}`, `files: ${fix.files.join(', ')}`].join('\n').slice(0, 20_000);
  await global.upsert([
    { id: `fix:${jobId}:${fix.taskId}`, input: { content, metadata: { type: 'error', source: `job:${jobId}`, taskId: fix.taskId, tags: [fix.role, 'fix'] } } },
  ]);
}
