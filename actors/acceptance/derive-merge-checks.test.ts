import { describe, expect, it } from 'vitest';
import type { AcceptanceCheck, AcceptanceStep, BodyAssertion } from '../../proto/index.js';
import { deriveSuiteFromText } from './derive-checks.js';
import { evaluateChecks } from './evaluate.js';
import type { CheckOutcome, StepOutcome } from './http-executor.js';

const json = (schema: unknown) => ({ 'application/json': { schema } });
const TASK = { $ref: '#/components/schemas/Task' };

/** A task service like the corpus's tasks app; `update` is the documentation of its PUT (or PATCH). */
function spec(method: 'put' | 'patch', update: { summary?: string; description?: string }): string {
  return JSON.stringify({
    openapi: '3.0.3',
    info: { title: 'Tasks', version: '1' },
    paths: {
      '/tasks': {
        post: {
          operationId: 'createTask',
          requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/NewTask' }, example: { title: 'Water the plants', priority: 'high', due: '2030-05-01' } } } },
          responses: { '201': { description: 'created', content: json(TASK) }, '400': { description: 'bad' } },
        },
      },
      '/tasks/{taskId}': {
        parameters: [{ name: 'taskId', in: 'path', required: true, schema: { type: 'string' } }],
        get: { operationId: 'getTask', responses: { '200': { description: 'ok', content: json(TASK) }, '404': { description: 'no' } } },
        [method]: {
          operationId: 'updateTask',
          ...update,
          requestBody: { required: true, content: json({ $ref: '#/components/schemas/NewTask' }) },
          responses: { '200': { description: 'ok', content: json(TASK) }, '400': { description: 'bad' }, '404': { description: 'no' } },
        },
      },
    },
    components: {
      schemas: {
        // Nothing required, so a one-field body is valid for a merge and the whole body for a replacement alike.
        NewTask: {
          type: 'object',
          properties: {
            id: { type: 'string', readOnly: true },
            title: { type: 'string', minLength: 1 },
            priority: { type: 'string', enum: ['low', 'normal', 'high'] },
            due: { type: 'string', format: 'date', nullable: true },
          },
        },
        Task: { allOf: [{ $ref: '#/components/schemas/NewTask' }, { type: 'object', required: ['id', 'createdAt'], properties: { createdAt: { type: 'string', readOnly: true } } }] },
      },
    },
  });
}

const updateCheck = async (text: string): Promise<AcceptanceCheck> => {
  const check = (await deriveSuiteFromText(text)).checks.find((c) => c.id === 'createTask.update.updateTask');
  if (!check) throw new Error('no update check');
  return check;
};
const bodyOf = (step: AcceptanceStep | undefined) => (step?.request.body?.kind === 'json' ? (step.request.body.value as Record<string, unknown>) : null);
const readAssertion = (check: AcceptanceCheck): BodyAssertion | undefined => check.steps.at(-1)?.expect.assertions.find((a) => a.type === 'fields_equal');

const MERGE_PUT = { summary: 'Update a task (merge)', description: 'Merges the fields given into the task: a field that is not given keeps its value.' };

describe('an update documented to merge is sent one field alone, and the rest must be kept', () => {
  it('sends a merging PUT one changeable field, never the id or a readOnly one, and expects the others as created', async () => {
    const check = await updateCheck(spec('put', MERGE_PUT));
    const update = check.steps.find((s) => s.operationId === 'updateTask');
    expect(update?.name).toBe('update title alone');
    expect(Object.keys(bodyOf(update) ?? {})).toEqual(['title']);
    expect(bodyOf(update)?.title).not.toBe('Water the plants');
    expect(readAssertion(check)).toMatchObject({
      fields: { title: bodyOf(update)?.title, priority: 'high', due: '2030-05-01' },
      kept: { promise: 'PUT is documented to merge', fields: ['priority', 'due'] },
    });
  });

  it.each([
    ['only the fields given', { description: 'Changes only the fields given.' }],
    ['other fields are kept', { description: 'Sets the fields in the body; other fields are kept as they are.' }],
    ['a partial update', { summary: 'Partial update of a task' }],
  ])('reads "%s" on a PUT as a merge', async (_, doc) => {
    expect(readAssertion(await updateCheck(spec('put', doc)))).toHaveProperty('kept.promise', 'PUT is documented to merge');
  });

  it.each([
    ['no wording at all', {}],
    ['"Update a task"', { summary: 'Update a task' }],
    ['a replacement', { summary: 'Replace a task', description: 'Replaces the whole task with the body.' }],
    ['"not a merge"', { description: 'This is not a merge: fields not given are reset to their defaults.' }],
  ])('sends a plain PUT (%s) the whole body, and expects nothing it did not send', async (_, doc) => {
    const check = await updateCheck(spec('put', doc));
    const update = check.steps.find((s) => s.operationId === 'updateTask');
    expect(update?.name).toBe('replace title');
    expect(bodyOf(update)).toMatchObject({ priority: 'high', due: '2030-05-01' });
    const assertion = readAssertion(check);
    expect(assertion).not.toHaveProperty('kept');
    expect(assertion?.type === 'fields_equal' ? Object.keys(assertion.fields).sort() : []).toEqual(['due', 'priority', 'title']);
  });

  it('treats a PATCH as a merge by nature, unless its description says it replaces', async () => {
    const patch = await updateCheck(spec('patch', {}));
    expect(Object.keys(bodyOf(patch.steps.find((s) => s.operationId === 'updateTask')) ?? {})).toEqual(['title']);
    expect(readAssertion(patch)).toHaveProperty('kept', { promise: 'PATCH is documented to merge', fields: ['priority', 'due'] });
    const replacing = await updateCheck(spec('patch', { description: 'Replaces the entire task.' }));
    expect(readAssertion(replacing)).not.toHaveProperty('kept');
  });

  it('names the broken promise when a merging PUT drops a field it was not sent, and passes a real merge', async () => {
    const suite = await deriveSuiteFromText(spec('put', MERGE_PUT));
    const check = suite.checks.find((c) => c.id === 'createTask.update.updateTask');
    if (!check) throw new Error('no update check');
    const title = bodyOf(check.steps.find((s) => s.operationId === 'updateTask'))?.title;
    const created = { id: 't1', title: 'Water the plants', priority: 'high', due: '2030-05-01', createdAt: '2030-01-01T00:00:00Z' };
    const step = (status: number, body: unknown, captured: Record<string, string> = {}): StepOutcome => ({
      sent: { method: 'GET', path: '/', body: null },
      response: { status, contentType: 'application/json', body: JSON.stringify(body), truncated: false },
      error: null,
      captured,
      durationMs: 1,
    });
    const judge = (stored: unknown) => {
      const capture = check.steps[0]?.capture[0]?.var ?? '';
      const outcome: CheckOutcome = { id: check.id, steps: [step(201, created, { [capture]: 't1' }), step(200, stored), step(200, stored)] };
      return evaluateChecks({ ...suite, checks: [check] }, [outcome])[0];
    };
    expect(judge({ ...created, title })?.status).toBe('passed');
    const replaced = judge({ ...created, title, priority: 'normal' });
    expect(replaced?.status).toBe('failed');
    expect(replaced?.actual.problem).toBe('PUT is documented to merge, but `priority` was dropped: priority is "normal", expected "high" (as created, and not sent in the update)');
  });
});
