import type { DiffFile, TaskDiff } from '../proto/task-diff.js';
import { h } from './dom.js';

/** A diff as the page holds it: asked for, answered, or refused (the message is shown). */
export type DiffState = { status: 'loading' } | { status: 'loaded'; diff: TaskDiff } | { status: 'error'; message: string };

const OMITTED: Readonly<Record<NonNullable<DiffFile['omitted']>, string>> = {
  binary: 'binary file: no text diff',
  too_large: 'too large to diff here',
  limit: 'left out: the diff reached its size limit',
};

/**
 * One file's hunks as text in a <pre>, one element per line. The leading
 * '+', '-' or ' ' stays in the text, so additions and removals read without
 * colour; the classes only tint them.
 */
function fileView(file: DiffFile): HTMLElement {
  const counts = file.additions === null ? '' : ` (+${file.additions} −${file.deletions ?? 0})`;
  const body = file.omitted
    ? h('p', { class: 'muted' }, [OMITTED[file.omitted]])
    : h(
        'pre',
        { class: 'diff' },
        file.hunks.flatMap((hunk) => [
          h('span', { class: 'diff-hunk' }, [`@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@\n`]),
          ...hunk.lines.map((line) => h('span', { class: line.startsWith('+') ? 'diff-add' : line.startsWith('-') ? 'diff-del' : 'diff-ctx' }, [`${line}\n`])),
        ]),
      );
  return h('div', { class: 'diff-file', 'data-file': file.path }, [h('div', { class: 'mono' }, [`${file.status} ${file.path}${counts}`]), body]);
}

/** The task's commit as its diff, or why there is none. */
export function diffView(state: DiffState | undefined): HTMLElement {
  const inner = (): HTMLElement[] => {
    if (!state || state.status === 'loading') return [h('p', { class: 'muted' }, ['Loading the diff…'])];
    if (state.status === 'error') return [h('p', { class: 'error' }, [`The diff could not be read: ${state.message}`])];
    const diff = state.diff;
    if (diff.state === 'no_commit') return [h('p', { class: 'muted' }, [`No commit yet (the task is ${diff.taskStatus.replace(/_/g, ' ')}).`])];
    const against = diff.parent ? `against ${diff.parent.slice(0, 12)}` : 'the first commit';
    return [
      h('p', {}, [`Commit ${diff.commit.slice(0, 12)} ${against}: ${diff.files.length} file(s) changed`, diff.truncated ? ' (shortened: some files or lines were left out)' : '']),
      ...diff.files.map(fileView),
    ];
  };
  return h('div', { class: 'diff-panel' }, [h('h4', {}, ['Diff of its commit']), ...inner()]);
}
