// mappings/dispatch-service-ticket.fmap written the way a Field Nation broker custom action
// would be: one Jsonnet program over $.input with the helper library. The comparison run checks
// that it produces exactly what the compiled mapping produces. $.input.PrimaryContact is the
// account's primary contact (the oldest, by id), which the broker would query for beforehand.
local t = $.input;
local present(v) = v != null && v != '';
local default(v, d) = if present(v) then v else d;
local html(s) = std.strReplace(std.strReplace(std.strReplace(std.strReplace(std.strReplace(std.strReplace(std.strReplace(
  s, '\r\n', '\n'), '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), "'", '&#39;'), '\n', '<br>');
local iso = 'YYYY-MM-DDTHH:mm:ssZ';
local fnUtc = $.util.date_time_format_fn_utc();
local plusHours(v, h) = $.util.date_convert(std.toString(std.parseInt($.util.date_convert(v, iso, 'X')) + h * 3600), 'X', fnUtc);
local workType = [
  { cmp: 'Hardware', val: 62 },
  { cmp: 'Printer/Peripheral', val: 64 },
  { cmp: 'Network', val: 71 },
  { cmp: 'On-Site Required', val: 1 },
];
local siteZone = [
  { cmp: s, val: 'America/Chicago' } for s in ['MN', 'WI', 'IL', 'IA', 'MO', 'TX']
] + [
  { cmp: s, val: 'America/Denver' } for s in ['CO', 'UT', 'NM']
] + [
  { cmp: 'AZ', val: 'America/Phoenix' },
] + [
  { cmp: s, val: 'America/Los_Angeles' } for s in ['CA', 'OR', 'WA', 'NV']
];
local pay = [{ cmp: 2, val: 150 }, { cmp: 4, val: 250 }];
local a = t.Account;
local r = t.AssignedResource;
// The ticket's contact or, when it names none, the account's primary contact.
local c = if t.ContactID == null then t.PrimaryContact else t.Contact;
local zone = $.util.array_map(siteZone, if a == null then null else a.State, 'America/New_York');
local hours = if t.EstimatedHours == null then 4 else t.EstimatedHours;
local name(p) = if p == null || !(present(p.FirstName) || present(p.LastName)) then null
  else std.join(' ', [default(p.FirstName, ''), default(p.LastName, '')]);
std.prune({
  title: '%s: %s' % [t.TicketNumber, t.Title],
  description: { html: html(default(t.Description, 'No description given.')) },
  types_of_work: [{ id: $.util.array_map(workType, std.get(t.labels, 'IssueType'), 1), isPrimary: true }],
  location: if a == null then null else {
    mode: 'custom',
    display_name: a.AccountName,
    address1: a.Address1,
    address2: a.Address2,
    city: a.City,
    state: a.State,
    zip: a.PostalCode,
    country: default(a.Country, 'US'),
  },
  contacts: {
    results: [x for x in [
      if c == null then null else { role: 'Location Contact', name: name(c), phone: c.Phone, email: c.EMailAddress },
      if r == null then null else { role: 'Resource coordinator', name: name(r), email: r.Email },
    ] if x != null],
  },
  schedule: { service_window: {
    mode: 'between',
    start: { utc: $.util.date_convert(t.DueDateTime, iso, fnUtc) },
    // Field Nation refuses a window that ends before it starts: no estimate, no end.
    end: if hours > 0 then { utc: plusHours(t.DueDateTime, hours) } else null,
  } },
  pay: { type: 'fixed', base: { units: 1, amount: $.util.range_map(pay, t.EstimatedHours, 400) } },
  custom_fields: { results: [{ results: [
    { id: 129, value: t.TicketNumber },
    { id: 131, value: $.util.date_convert(t.DueDateTime, iso, 'MM/DD/YYYY h:mm A z', 'UTC', zone) },
    { id: 135, value: std.get(t.labels, 'Priority') },
    { id: 137, value: default(t.udfs['Site Access Notes'], 'None') },
  ] }] },
})
