import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProtocolError } from '../../proto/index.js';
import { ReplayLanguageModel } from './replay-model.js';

const folders: string[] = [];
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'autodev-replay-'));
  folders.push(dir);
  return dir;
}
afterEach(() => folders.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A recording in a fresh folder, with the answer files given; returns the recording's path. */
function recording(answers: unknown, files: Record<string, string> = {}, dir = folder()): string {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  const path = join(dir, 'recording.json');
  writeFileSync(path, JSON.stringify({ type: 'replay.recording', version: 1, answers }));
  return path;
}

const GRAMMAR = 'root ::= [a-z]+';
const text = (model: ReplayLanguageModel, prompt: string, seed?: number, maxTokens = 1000) =>
  model.generateText({ system: 'You are a backend engineer.', prompt, grammar: GRAMMAR, maxTokens, ...(seed === undefined ? {} : { seed }) });

async function rejection(promise: Promise<unknown>): Promise<ProtocolError> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(ProtocolError);
  return error as ProtocolError;
}

describe('the replay model', () => {
  it('answers with the first entry whose expression matches the system prompt and the prompt, by attempt, repeating the last', async () => {
    const path = recording(
      [
        { match: '^Your task \\(t2\\): ', attempts: [{ text: 'first try\n' }, { textFile: 'answers/t2-second.txt' }] },
        { match: '^Your task \\(t2', attempts: [{ text: 'shadowed: t2 matched the entry above first\n' }] },
        { match: 'backend engineer', attempts: [{ text: 'any backend task\n' }] },
      ],
      { 'answers/t2-second.txt': 'second try, from a file\n' },
    );
    const model = await ReplayLanguageModel.load(path);
    expect(model.name).toBe(path);
    expect((await text(model, 'Project: x\n\nYour task (t2): lists')).value).toBe('first try\n');
    expect((await text(model, 'Project: x\n\nYour task (t2): lists', 1)).value).toBe('first try\n');
    expect((await text(model, 'Project: x\n\nYour task (t2): lists', 2)).value).toBe('second try, from a file\n');
    // Past the last recorded attempt, the last answer is given again.
    expect((await text(model, 'Project: x\n\nYour task (t2): lists', 7)).value).toBe('second try, from a file\n');
    // The ^ anchors at a line start (flag m): t2 inside another line does not match the first entry.
    expect((await text(model, 'Project: Your task (t2): is quoted here\n\nYour task (t4): items')).value).toBe('any backend task\n');
  });

  it('counts about a token per four characters, reports progress once, streams the text once', async () => {
    const model = await ReplayLanguageModel.load(recording([{ match: 'x', attempts: [{ text: 'a'.repeat(41) }] }]));
    const progress: number[] = [];
    const pieces: string[] = [];
    const result = await model.generateText({ system: '', prompt: 'x', grammar: GRAMMAR, maxTokens: 100, onProgress: (t) => progress.push(t), onText: (t) => pieces.push(t) });
    expect(result.tokens).toBe(11);
    expect(progress).toEqual([11]);
    expect(pieces).toEqual(['a'.repeat(41)]);
    expect('generateWithFunctions' in model).toBe(false);
    // An answer over the request's budget never finishes, as with a real model; with allowTruncated it is cut.
    expect((await rejection(text(model, 'x', undefined, 5))).message).toMatch(/about 11 tokens, over this request's budget of 5/);
    const cut = await model.generateText({ system: '', prompt: 'x', grammar: GRAMMAR, maxTokens: 5, allowTruncated: true });
    expect(cut).toMatchObject({ value: 'a'.repeat(20), tokens: 5, truncated: true });
  });

  it('answers generateJson from a json answer, validated against the schema the request decodes under', async () => {
    const path = recording([
      { match: 'planning lead', attempts: [{ json: { tasks: [] } }, { json: { tasks: 'not a list' } }] },
      { match: 'text answer', attempts: [{ text: '{"tasks":[]}' }] },
    ]);
    const model = await ReplayLanguageModel.load(path);
    const schema = { type: 'object', properties: { tasks: { type: 'array', items: { type: 'string' } } }, required: ['tasks'] } as const;
    const ask = (system: string, seed?: number) => model.generateJson({ system, prompt: 'Project request:\nBuild it', schema, maxTokens: 100, ...(seed ? { seed } : {}) });
    expect((await ask('You are the planning lead.')).value).toEqual({ tasks: [] });
    expect((await ask('text answer')).value).toEqual({ tasks: [] });
    expect((await rejection(ask('You are the planning lead.', 2))).message).toMatch(/does not match the schema/);
    // A JSON answer is no answer to a request for text.
    expect((await rejection(text(model, 'planning lead'))).message).toMatch(/with JSON, but this request asks for text/);
  });

  it('refuses a request it has no answer for, naming the recording and the task line cut to 80 characters', async () => {
    const path = recording([{ match: '^Your task \\(t1\\): ', attempts: [{ text: 'scaffold\n' }] }]);
    const model = await ReplayLanguageModel.load(path);
    const error = await rejection(text(model, `Project: x\n\nYour task (t9-accept1): ${'fix the delete '.repeat(20)}\n\nIt is done when:\n- secret rule text`));
    expect(error.code).toBe('model_output_invalid');
    expect(error.message).toContain(path);
    expect(error.message).toContain(`"${`Your task (t9-accept1): ${'fix the delete '.repeat(20)}`.slice(0, 80)}"`);
    expect(error.message).toMatch(/has no answer for/);
    expect(error.message).not.toContain('secret rule text');
    // The Master's requests have no task line: the prompt's start stands in, on one line.
    expect((await rejection(model.generateJson({ system: 'planning lead', prompt: 'Project request:\nBuild a todo API', schema: { type: 'object' }, maxTokens: 50 }))).message).toContain('"Project request: Build a todo API"');
  });

  it.each([
    ['a file that is not JSON', 'not json', /recording\.json: is not JSON/],
    ['a missing version', { type: 'replay.recording', answers: [{ match: 'x', attempts: [{ text: 'a' }] }] }, /field version: /],
    ['an answer with two kinds', { type: 'replay.recording', version: 1, answers: [{ match: 'x', attempts: [{ text: 'a', json: 1 }] }] }, /field answers\.0\.attempts\.0: an answer has exactly one of text, textFile or json; this one has text and json/],
    ['an answer with none', { type: 'replay.recording', version: 1, answers: [{ match: 'x', attempts: [{}] }] }, /field answers\.0\.attempts\.0: .*this one has none/],
    ['an unknown field', { type: 'replay.recording', version: 1, answers: [{ match: 'x', attempts: [{ text: 'a' }], seed: 3 }] }, /field answers\.0: .*seed/],
    ['a match that is no regular expression', { type: 'replay.recording', version: 1, answers: [{ match: '(unclosed', attempts: [{ text: 'a' }] }] }, /field answers\.0\.match: not a regular expression/],
    ['no attempts', { type: 'replay.recording', version: 1, answers: [{ match: 'x', attempts: [] }] }, /field answers\.0\.attempts: /],
    ['a textFile that climbs out', { type: 'replay.recording', version: 1, answers: [{ match: 'x', attempts: [{ textFile: '../secret.txt' }] }] }, /field answers\.0\.attempts\.0\.textFile: must be a file beside the recording: contains \. or \.\./],
    ['an absolute textFile', { type: 'replay.recording', version: 1, answers: [{ match: 'x', attempts: [{ textFile: '/etc/passwd' }] }] }, /field answers\.0\.attempts\.0\.textFile: must be a file beside the recording: must be relative/],
    ['a missing textFile', { type: 'replay.recording', version: 1, answers: [{ match: 'x', attempts: [{ text: 'a' }, { textFile: 'gone.txt' }] }] }, /field answers\.0\.attempts\.1\.textFile "gone\.txt": is missing, not a regular file, or a symlink/],
  ])('refuses to load %s, naming the file and the field', async (_what, content, problem) => {
    const dir = folder();
    const path = join(dir, 'recording.json');
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    const error = await rejection(ReplayLanguageModel.load(path));
    expect(error.code).toBe('model_unavailable');
    expect(error.message).toContain(path);
    expect(error.message).toMatch(problem);
  });

  it('never follows a symlink out of the recording folder: not as the answer file, not as a folder on the way', async () => {
    const outside = folder();
    writeFileSync(join(outside, 'secret.txt'), 'TOP SECRET host file\n');
    const linked = folder();
    symlinkSync(join(outside, 'secret.txt'), join(linked, 'answer.txt'));
    const fileLink = await rejection(ReplayLanguageModel.load(recording([{ match: 'x', attempts: [{ textFile: 'answer.txt' }] }], {}, linked)));
    expect(fileLink.message).toMatch(/textFile "answer\.txt": is missing, not a regular file, or a symlink/);
    expect(fileLink.message).not.toContain('TOP SECRET');

    const folderLink = folder();
    symlinkSync(outside, join(folderLink, 'answers'));
    const viaFolder = await rejection(ReplayLanguageModel.load(recording([{ match: 'x', attempts: [{ textFile: 'answers/secret.txt' }] }], {}, folderLink)));
    expect(viaFolder.message).toMatch(/textFile "answers\/secret\.txt": leads out of the recording's folder .* through a symlink/);
    expect(viaFolder.message).not.toContain('TOP SECRET');
  });

  it('stops at once when the request is aborted', async () => {
    const model = await ReplayLanguageModel.load(recording([{ match: 'x', attempts: [{ text: 'a' }] }]));
    const controller = new AbortController();
    controller.abort(new Error('job cancelled'));
    await expect(model.generateText({ system: '', prompt: 'x', grammar: GRAMMAR, maxTokens: 10, signal: controller.signal })).rejects.toThrow('job cancelled');
  });
});
