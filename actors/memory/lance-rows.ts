import { DataType, Field, FixedSizeList, Float32, List, Schema, Utf8 } from 'apache-arrow';
import { MemoryMetadata, type MemoryFilter, type MemoryRecord } from '../../proto/memory.js';

const StoredMetadata = MemoryMetadata.required({ timestamp: true });

/** A record as stored: the seed's metadata flattened into snake_case columns that filters can name. */
// A type, not an interface, so it is assignable to LanceDB's Record<string, unknown> rows.
export type MemoryRow = {
  id: string;
  content: string;
  vector?: number[] | Float32Array;
  type: string;
  source: string;
  task_id: string | null;
  timestamp: string;
  version: string | null;
  platform: string | null;
  tags: string[];
  /** The metadata again as one JSON string: what searches read back (see RECORD_COLUMNS). */
  meta: string;
  content_hash: string;
  embed_model: string;
};

/**
 * What a search or lookup reads per row. A search reads each selected column
 * of each hit at a scattered position, which costs about 0.3 ms a column at
 * 100k rows; reading the metadata as one JSON column instead of seven cut a
 * filtered hybrid query by about 1.3 ms. The typed columns stay for filters.
 */
export const RECORD_COLUMNS = ['id', 'content', 'meta'];

/** Dimension 0 means no embedding model: the table has no vector column and search is full-text only. */
export function memorySchema(dimension: number): Schema {
  const fields = [
    new Field('id', new Utf8(), false),
    new Field('content', new Utf8(), false),
    ...(dimension > 0 ? [new Field('vector', new FixedSizeList(dimension, new Field('item', new Float32(), true)), false)] : []),
    new Field('type', new Utf8(), false),
    new Field('source', new Utf8(), false),
    new Field('task_id', new Utf8(), true),
    new Field('timestamp', new Utf8(), false),
    new Field('version', new Utf8(), true),
    new Field('platform', new Utf8(), true),
    new Field('tags', new List(new Field('item', new Utf8(), true)), false),
    new Field('meta', new Utf8(), false),
    new Field('content_hash', new Utf8(), false),
    new Field('embed_model', new Utf8(), false),
  ];
  return new Schema(fields);
}

/**
 * By type id, not `instanceof`: LanceDB loads apache-arrow's CommonJS build
 * and this package its ES module build, so their classes differ. With
 * `instanceof` every table looked vector-less and was re-embedded, and lost
 * its ANN index, each time the daemon opened it.
 */
export function vectorDimension(schema: Schema): number {
  const field = schema.fields.find((f) => f.name === 'vector');
  return field && DataType.isFixedSizeList(field.type) ? field.type.listSize : 0;
}

/** Whether a table has the `meta` column; tables written before it are rebuilt with it. */
export function hasMetaColumn(schema: Schema): boolean {
  return schema.fields.some((f) => f.name === 'meta');
}

/** The metadata columns of a row: the typed ones filters name, and `meta`, which searches read back. */
export function metadataColumns(metadata: MemoryMetadata & { timestamp: string }): Pick<MemoryRow, 'type' | 'source' | 'task_id' | 'timestamp' | 'version' | 'platform' | 'tags' | 'meta'> {
  return {
    type: metadata.type,
    source: metadata.source,
    task_id: metadata.taskId,
    timestamp: metadata.timestamp,
    version: metadata.version,
    platform: metadata.platform,
    tags: metadata.tags,
    meta: JSON.stringify(metadata),
  };
}

/** A row read back: metadata from `meta` when selected, else from the typed columns. */
export function toRecord(row: Record<string, unknown>): MemoryRecord {
  const text = (key: string) => (typeof row[key] === 'string' ? (row[key] as string) : null);
  const meta = text('meta');
  if (meta !== null) {
    // Written by this module from validated metadata, so a parse failure means a damaged table.
    const metadata = StoredMetadata.parse(JSON.parse(meta));
    return { id: text('id') ?? '', content: text('content') ?? '', metadata };
  }
  const tags = row.tags as { toArray?: () => unknown[] } | unknown[] | null;
  const tagList = Array.isArray(tags) ? tags : (tags?.toArray?.() ?? []);
  const metadata: MemoryMetadata & { timestamp: string } = {
    type: text('type') as MemoryMetadata['type'],
    source: text('source') ?? '',
    taskId: text('task_id'),
    timestamp: text('timestamp') ?? new Date(0).toISOString(),
    version: text('version'),
    platform: text('platform'),
    tags: tagList.filter((t): t is string => typeof t === 'string'),
  };
  return { id: text('id') ?? '', content: text('content') ?? '', metadata };
}

/** SQL string literal: the only escape DataFusion needs is a doubled quote. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A MemoryFilter as a LanceDB `where` clause; undefined when it filters nothing. */
export function filterToSql(filter: MemoryFilter | undefined): string | undefined {
  if (!filter) return undefined;
  const clauses: string[] = [];
  if (filter.type !== undefined) {
    const types = Array.isArray(filter.type) ? filter.type : [filter.type];
    clauses.push(`type IN (${types.map(sqlString).join(', ')})`);
  }
  const equals: Array<[string, string | undefined]> = [
    ['source', filter.source],
    ['task_id', filter.taskId],
    ['version', filter.version],
    ['platform', filter.platform],
  ];
  for (const [column, value] of equals) if (value !== undefined) clauses.push(`${column} = ${sqlString(value)}`);
  if (filter.tags?.length) clauses.push(`array_has_all(tags, make_array(${filter.tags.map(sqlString).join(', ')}))`);
  return clauses.length ? clauses.join(' AND ') : undefined;
}
