import { Ajv, type ValidateFunction } from 'ajv';
import type { GbnfJsonSchema } from 'node-llama-cpp';
import { ProtocolError } from '../../proto/index.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const compiled = new Map<string, ValidateFunction>();

function validatorFor(schema: GbnfJsonSchema): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(key, validate);
  }
  return validate;
}

/** Strips a Markdown code fence that API models like to wrap JSON in. */
function unfence(text: string): string {
  const match = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return match?.[1] ?? text;
}

/**
 * Parses and validates an API model's JSON answer against the schema a local
 * model would have been constrained by; the error says what was wrong, so
 * the caller can show it to the model when it asks again.
 */
export function parseJsonAnswer(text: string, schema: GbnfJsonSchema): unknown {
  let value: unknown;
  try {
    value = JSON.parse(unfence(text));
  } catch (error) {
    throw new ProtocolError('model_output_invalid', `the answer is not JSON: ${(error as Error).message}`);
  }
  const validate = validatorFor(schema);
  if (!validate(value)) {
    const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`).join('; ');
    throw new ProtocolError('model_output_invalid', `the answer does not match the schema: ${problems}`);
  }
  return value;
}

export function jsonInstruction(schema: GbnfJsonSchema): string {
  return `Answer with one JSON value only, no prose and no code fence, matching this JSON schema:\n${JSON.stringify(schema)}`;
}
