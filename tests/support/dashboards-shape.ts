// What the panel-SQL test checks on every result: the columns a visualisation needs,
// with usable types, and the variable selections it runs each panel with.
import { expect } from 'vitest';
import { ALL_VALUE, type PanelShape, type VariableSpec, type VariableState } from '../../dashboards/index.ts';

/** A query result in ClickHouse's JSON format. */
export interface Result {
  meta: Array<{ name: string; type: string }>;
  data: Array<Record<string, unknown>>;
  rows: number;
}

const isNumeric = (type: string) => /^(Nullable\()?(U?Int\d+|Float\d+|Decimal)/.test(type);
const isText = (type: string) => /^(Nullable\()?(LowCardinality\()?(Nullable\()?(String|FixedString)/.test(type);
const isTime = (type: string) => /^(Nullable\()?DateTime(64)?\b/.test(type);

export function checkShape(shape: PanelShape, result: Result): void {
  const names = result.meta.map((m) => m.name);
  const type = (name: string) => result.meta.find((m) => m.name === name)?.type ?? '(missing)';
  switch (shape.kind) {
    case 'timeseries': {
      expect(names).toEqual(['time', ...shape.labels, ...shape.values]);
      expect(isTime(type('time')), `time is ${type('time')}`).toBe(true);
      for (const v of shape.values) expect(isNumeric(type(v)), `${v} is ${type(v)}`).toBe(true);
      for (const l of shape.labels) expect(isText(type(l)), `${l} is ${type(l)}`).toBe(true);
      // The backend pivots long frames to wide by time: rows must come ordered by it.
      const times = result.data.map((r) => String(r.time));
      expect(times).toEqual([...times].sort());
      break;
    }
    case 'table':
      expect(names).toEqual([...shape.columns]);
      // Grafana's table shows a cell per value: an array or a map would be unreadable.
      for (const m of result.meta) expect(/^(Array|Map|Tuple)\(/.test(m.type.replace(/^Nullable\(/, '')), `${m.name} is ${m.type}`).toBe(false);
      break;
    case 'stat':
      expect(names).toEqual([...shape.values]);
      for (const v of shape.values) expect(isNumeric(type(v)), `${v} is ${type(v)}`).toBe(true);
      break;
    case 'category':
      expect(names).toEqual([shape.category, ...shape.values]);
      expect(isText(type(shape.category)), `${shape.category} is ${type(shape.category)}`).toBe(true);
      for (const v of shape.values) expect(isNumeric(type(v)), `${v} is ${type(v)}`).toBe(true);
      break;
  }
}

/** Every variable on All (a textbox on its sample value). */
export function allSelected(specs: readonly VariableSpec[], values: ReadonlyMap<string, string[]>, samples: ReadonlyMap<string, string>): VariableState[] {
  return specs.map((v) =>
    v.kind === 'textbox' ? { name: v.name, current: samples.get(v.name) ?? '' } : { name: v.name, current: [ALL_VALUE], options: values.get(v.name) ?? [] },
  );
}

/** A concrete selection: the first value of each variable, two for multi-value team. */
export function someSelected(specs: readonly VariableSpec[], values: ReadonlyMap<string, string[]>, samples: ReadonlyMap<string, string>): VariableState[] {
  return specs.map((v) => {
    if (v.kind === 'textbox') return { name: v.name, current: samples.get(v.name) ?? '' };
    const options = values.get(v.name) ?? [];
    return { name: v.name, current: options.slice(0, v.name === 'team' ? 2 : 1), options };
  });
}
