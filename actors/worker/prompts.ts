import type { MemoryContext, RepoSnapshot, Role, WorkRequest } from '../../proto/index.js';

const ROLE_BRIEFS: Record<Role, string> = {
  backend: 'You are a backend engineer. Write server code: API endpoints, data models and business logic.',
  frontend: 'You are a frontend engineer. Write UI components, styling and client-side state.',
  testing: 'You are a test engineer. Write unit and integration tests that check the requirements.',
  devops: 'You are a DevOps engineer. Write package manifests, build configuration, CI and deployment files.',
  docs: 'You are a technical writer. Write the README, API documentation and user guides.',
};

const FORMAT = [
  'Answer in this exact format and nothing else:',
  '@@@ SUMMARY <one line saying what you wrote>',
  '@@@ FILE <relative/path>',
  '<the whole file content>',
  '@@@ END',
  'Repeat the FILE block for each file. Paths are relative to the repository root.',
].join('\n');

const EDIT_FORMAT = [
  'To change part of a file that already exists, you may send an EDIT block instead of the whole file:',
  '@@@ EDIT <relative/path>',
  '@@@ SEARCH',
  '<lines copied exactly from the file, enough to occur only once>',
  '@@@ REPLACE',
  '<the lines to put in their place>',
  '@@@ END',
].join('\n');

/** `edits`: the task may change existing files with EDIT blocks (fix and merge tasks). */
export function systemPromptFor(role: Role, options: { edits?: boolean } = {}): string {
  return `${ROLE_BRIEFS[role]}\n${FORMAT}${options.edits ? `\n${EDIT_FORMAT}` : ''}`;
}

/**
 * The repository as context, newest knowledge first: every path, then whole
 * files while they fit in `budgetChars`. What did not fit is named, never
 * silently cut.
 */
export function repositoryContext(snapshot: RepoSnapshot | null, budgetChars: number): string {
  if (!snapshot || snapshot.files.length === 0 || budgetChars <= 0) return '';
  const paths = `Files in the repository:\n${snapshot.files.map((f) => `- ${f.path}`).join('\n')}`;
  let used = paths.length;
  const shown: string[] = [];
  const skipped: string[] = [];
  for (const file of snapshot.files) {
    const block = `--- ${file.path}\n${file.content}`;
    if (used + block.length > budgetChars) skipped.push(file.path);
    else {
      shown.push(block);
      used += block.length;
    }
  }
  const note = skipped.length ? `\n(not shown for lack of room: ${skipped.join(', ')})` : '';
  return [paths.slice(0, budgetChars), ...shown].join('\n\n') + note;
}

/**
 * Memory the Master retrieved and fitted to this model's window. Chunks that
 * did not fit are listed by source, so nothing is cut without saying so.
 */
export function memorySection(memory: MemoryContext | null | undefined): string {
  if (!memory || (memory.chunks.length === 0 && memory.omitted.length === 0)) return '';
  const blocks = memory.chunks.map((c) => `--- [${c.id}] ${c.type} from ${c.source}\n${c.content}`);
  const note = memory.omitted.length
    ? `\n(${memory.omitted.length} more relevant chunk(s) left out for lack of room, from: ${[...new Set(memory.omitted.map((o) => o.source))].join(', ')})`
    : '';
  return `Relevant knowledge from memory:\n${blocks.join('\n\n')}${note}`;
}

export function taskPrompt(request: WorkRequest, context = ''): string {
  const knowledge = memorySection(request.memory);
  const parts = [
    `Project: ${request.jobPrompt}`,
    ...(knowledge ? [knowledge] : []),
    ...(context ? [context] : []),
    `Your task (${request.taskId}): ${request.description}`,
  ];
  if (request.prompt && request.prompt !== request.description) parts.push(`Details: ${request.prompt}`);
  parts.push(`It is done when:\n${request.validationRules.map((r) => `- ${r}`).join('\n')}`);
  if (request.previousError) {
    parts.push(`Your previous attempt failed with this error; avoid it this time:\n${request.previousError}`);
  }
  return parts.join('\n\n');
}
