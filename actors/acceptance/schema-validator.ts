import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';

const INT32 = 2 ** 31;
// A CommonJS module: its default export is the plugin, which also names itself `default`.
const addFormats = ajvFormats.default;

/**
 * ajv with the formats OpenAPI names: JSON Schema's from ajv-formats (uuid,
 * date-time, email...), plus OpenAPI's numeric ones. Unknown keywords and
 * formats are ignored rather than fatal (strict off): a spec's vendor
 * extensions must not stop the checks.
 */
export class SchemaValidator {
  private readonly ajv: Ajv | Ajv2020;
  private readonly compiled = new Map<string, ValidateFunction | Error>();

  constructor(
    private readonly schemas: Record<string, unknown>,
    dialect: 'draft-07' | '2020-12',
  ) {
    const options = { strict: false, allErrors: true, logger: false, validateFormats: true } as const;
    this.ajv = dialect === '2020-12' ? new Ajv2020(options) : new Ajv(options);
    addFormats(this.ajv);
    this.ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -INT32 && n < INT32 });
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat('float', { type: 'number', validate: () => true });
    this.ajv.addFormat('double', { type: 'number', validate: () => true });
    this.ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
    this.ajv.addFormat('binary', true);
    this.ajv.addFormat('password', true);
  }

  /** Errors as "/path: message" lines; empty when valid. Throws when the schema itself cannot be compiled. */
  errors(key: string, value: unknown): string[] {
    const validate = this.compile(key);
    if (validate(value)) return [];
    return (validate.errors ?? []).map(describe);
  }

  /** Null when the schema compiles; else why not (a circular $ref, a broken keyword). */
  problem(key: string): string | null {
    const compiled = this.compileOrError(key);
    return compiled instanceof Error ? compiled.message : null;
  }

  private compile(key: string): ValidateFunction {
    const compiled = this.compileOrError(key);
    if (compiled instanceof Error) throw compiled;
    return compiled;
  }

  private compileOrError(key: string): ValidateFunction | Error {
    let compiled = this.compiled.get(key);
    if (!compiled) {
      const schema = this.schemas[key];
      try {
        if (typeof schema !== 'object' || schema === null) throw new Error(`no schema named ${key}`);
        compiled = this.ajv.compile(schema);
      } catch (error) {
        compiled = new Error(`the schema ${key} cannot be used: ${error instanceof Error ? error.message : String(error)}`);
      }
      this.compiled.set(key, compiled);
    }
    return compiled;
  }
}

function describe(error: ErrorObject): string {
  const where = error.instancePath || '(body)';
  const extra = error.keyword === 'additionalProperties' ? `: ${String(error.params.additionalProperty)}` : '';
  return `${where} ${error.message ?? error.keyword}${extra}`;
}
