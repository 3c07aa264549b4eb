import { toJsonSchema, type Direction } from './json-schema.js';
import type { Json } from './load-spec.js';
import { SchemaValidator } from './schema-validator.js';

/**
 * The schemas a suite refers to by key, converted once to JSON Schema. Steps
 * name a schema instead of carrying it, so a suite stays small, and the
 * derivation validates its own samples with the same validator that later
 * judges the responses.
 */
export class SchemaRegistry {
  readonly schemas: Record<string, unknown> = {};
  readonly validator: SchemaValidator;
  private readonly keys = new Map<Json, Map<Direction, string>>();

  /**
   * `componentNames`: the spec's own names for its schemas (dereferencing
   * puts the same objects everywhere they are used), so a report says "Book"
   * rather than the first operation that happened to use it.
   */
  constructor(
    private readonly dialect: '3.0' | '3.1',
    private readonly componentNames: ReadonlyMap<unknown, string> = new Map(),
  ) {
    this.validator = new SchemaValidator(this.schemas, dialect === '3.0' ? 'draft-07' : '2020-12');
  }

  get jsonSchemaDialect(): 'draft-07' | '2020-12' {
    return this.dialect === '3.0' ? 'draft-07' : '2020-12';
  }

  /** The key of a schema, adding it under `name` (made unique) the first time it is seen. */
  add(name: string, schema: Json, direction: Direction): string {
    const byDirection = this.keys.get(schema) ?? new Map<Direction, string>();
    this.keys.set(schema, byDirection);
    const known = byDirection.get(direction);
    if (known) return known;
    const component = this.componentNames.get(schema);
    // A component used both ways keeps its name for the first, and says which way for the other: "Item (response)".
    let key = component ? (byDirection.size > 0 ? `${component} (${direction})` : component) : name;
    for (let n = 2; key in this.schemas; n++) key = `${name} (${n})`;
    this.schemas[key] = toJsonSchema(schema, this.dialect, direction);
    byDirection.set(direction, key);
    return key;
  }

  /** Validation errors of `value`; a schema that cannot compile counts as one error saying so. */
  errors(key: string, value: unknown): string[] {
    const problem = this.validator.problem(key);
    return problem ? [problem] : this.validator.errors(key, value);
  }

  isValid(key: string, value: unknown): boolean {
    return this.errors(key, value).length === 0;
  }
}
