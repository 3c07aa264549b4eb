import type { ParamValue } from '../../proto/index.js';
import type { Json } from './load-spec.js';
import type { OperationSpec, ParameterSpec } from './operations.js';
import { singleType } from './schema-view.js';

/** A page-size parameter at its documented maximum, so the items written earlier in the run are on the page read. */
export function widestPage(list: OperationSpec): Record<string, ParamValue> {
  const size = list.parameters.find((p) => p.in === 'query' && /^(limit|per_?page|page_?size|size|count|max|top)$/i.test(p.name) && typeof p.schema.maximum === 'number');
  return size && typeof size.schema.maximum === 'number' ? { [size.name]: { value: String(size.schema.maximum) } } : {};
}

export interface FilterParam {
  param: ParameterSpec;
  /** The listed item's property it filters on (same name, same simple type). */
  property: Json;
}

/** Query parameters named after a property of the listed item, of the same simple type: filters whose effect can be checked. */
export function filterParams(list: OperationSpec, item: Record<string, Json>): FilterParam[] {
  return list.parameters.flatMap((param): FilterParam[] => {
    const property = item[param.name];
    const type = singleType(param.schema);
    if (param.in !== 'query' || !property || !type || !['string', 'integer', 'number', 'boolean'].includes(type) || type !== singleType(property)) return [];
    return [{ param, property }];
  });
}
