// The helper library of Field Nation's integration broker, for fieldmap's Jsonnet blocks.
// Available as `$.util` inside a block, or `import 'util.libsonnet'`. Signatures follow the
// broker's documented helpers so that existing custom actions keep working.
{
  // Safe nested lookup: `lookup_field(obj, 'a.b.c', default)`. With `raw`, `path` is one key
  // (for keys that contain dots). Null or missing anywhere on the way gives `default`.
  lookup_field(obj, path, default=null, raw=false)::
    local keys = if raw then [path] else std.split(path, '.');
    local step(value, key) =
      if value == null then null
      else if std.isObject(value) then std.get(value, key, null)
      else if std.isArray(value) && std.length(key) > 0 && std.all([std.member('0123456789', c) for c in std.stringChars(key)]) then
        (local i = std.parseInt(key); if i < std.length(value) then value[i] else null)
      else null;
    local found = std.foldl(step, keys, obj);
    if found == null then default else found,

  // A Field Nation custom field's value by id, from `custom_fields.results[].results[]`.
  lookup_custom_field(id, obj, default='')::
    local groups = $.lookup_field(obj, 'custom_fields.results', []);
    local fields = std.flattenArrays([std.get(g, 'results', []) for g in groups]);
    local hits = [f for f in fields if std.toString(std.get(f, 'id', '')) == std.toString(id)];
    if std.length(hits) == 0 then default else std.get(hits[0], 'value', default),

  // Exact lookup in `[{cmp, val}]`: the first entry whose `cmp` equals `value`, else `default`.
  array_map(array_def, value, default=null)::
    local hits = [e.val for e in array_def if e.cmp == value];
    if std.length(hits) == 0 then default else hits[0],

  // Numeric bands in `[{cmp, val}]`: the entry with the smallest `cmp` at or above `value`,
  // else `default` (the broker's "less-than-or-equal, right to left").
  range_map(range_def, value, default=null)::
    local number = if std.isString(value) then std.parseJson(value) else value;
    local fits = std.sort([e for e in range_def if number <= e.cmp], function(e) e.cmp);
    if value == null || std.length(fits) == 0 then default else fits[0].val,

  // Reads `value` with `format_input` in `timezone_in` and writes it with `format_output` in
  // `timezone_out`; moment.js tokens (YYYY MM DD HH mm ss A Z X x …), IANA zone names.
  date_convert(value, format_input, format_output, timezone_in='UTC', timezone_out='UTC')::
    if value == null || value == '' then null
    else std.native('date_convert')(value, format_input, format_output, timezone_in, timezone_out),

  // Field Nation's UTC date-time format.
  date_time_format_fn_utc():: 'YYYY-MM-DD HH:mm:ss',

  // One day later, in the same format (Field Nation's format when none is given).
  date_add(value, format_input='')::
    local format = if format_input == '' then $.date_time_format_fn_utc() else format_input;
    if value == null || value == '' then null else std.native('date_add_days')(value, format, 1),

  // The sum of an array of numbers (nulls count as 0).
  array_sum(array):: std.foldl(function(sum, x) sum + (if x == null then 0 else x), array, 0),

  // Renames the fields of each element: `{'category.name': 'expense_category'}` reads the
  // dotted path and writes the new key.
  object_map_array(arr, map)::
    [{ [map[path]]: $.lookup_field(item, path) for path in std.objectFields(map) } for item in arr],

  // The `field` of every element of `results`.
  results_values(results, field, default='', raw=false)::
    [$.lookup_field(item, field, default, raw) for item in results],

  // The same without repeats, in first-seen order.
  results_values_unique(results, field, default='', raw=false)::
    std.foldl(function(seen, v) if std.member(seen, v) then seen else seen + [v],
              $.results_values(results, field, default, raw), []),

  // Elements grouped by the text of `group_by_field`; `additional_filter` (a function of an
  // element, or null) keeps only the elements it accepts.
  results_group_by(results, group_by_field, additional_filter=null, raw=false)::
    local kept = if additional_filter == null then results else [r for r in results if additional_filter(r)];
    local keys = $.results_values_unique(kept, group_by_field, '', raw);
    { [std.toString(k)]: [r for r in kept if $.lookup_field(r, group_by_field, '', raw) == k] for k in keys },

  // Whether a Field Nation expense is approved (`status.name` or `approved`).
  is_expense_approved_fn(expense)::
    std.asciiLower(std.toString($.lookup_field(expense, 'status.name', ''))) == 'approved'
    || $.lookup_field(expense, 'approved', false) == true,

  // The sum of `field` over the approved expenses.
  sum_expense_field(expenses, field)::
    $.array_sum([$.lookup_field(e, field, 0) for e in expenses if $.is_expense_approved_fn(e)]),
}
