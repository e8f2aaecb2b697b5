#!/usr/bin/env python3
"""Derive fieldmap's bundled schema data files from the published interface definitions.

Usage:
    python3 tools/derive_schemas.py REFERENCE_DIR [--out PROJECT_DIR] [--no-corrections]

REFERENCE_DIR must contain:
    autotask-fieldinfo-1.6.8.json          Autotask SOAP API v1.6 GetEntityInfo/GetFieldInfo metadata
    fieldnation-rest-v2.openapi.yaml       Field Nation REST API v2 OpenAPI spec
    fieldnation-webhooks-v3.openapi.yaml   Field Nation webhooks v3 OpenAPI spec

Writes (relative to PROJECT_DIR, default: the directory above this script):
    stdlib/autotask/entities.json
    stdlib/fieldnation/workorder-create.json
    stdlib/fieldnation/webhooks.json

The output is deterministic: running the script twice on the same input gives
byte-identical files. Tenant snapshots (stdlib/tenants/) are hand-written and
not touched by this script.

Requires Python 3 and PyYAML.
"""

import argparse
import json
import os
import re
import sys

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("derive_schemas.py needs PyYAML (pip install pyyaml)")

AUTOTASK_FILE = "autotask-fieldinfo-1.6.8.json"
WSDL_FILE = "autotask-atws-1.6.wsdl"
FN_REST_FILE = "fieldnation-rest-v2.openapi.yaml"
FN_WEBHOOKS_FILE = "fieldnation-webhooks-v3.openapi.yaml"

OUT_ENTITIES = os.path.join("stdlib", "autotask", "entities.json")
OUT_WO_CREATE = os.path.join("stdlib", "fieldnation", "workorder-create.json")
OUT_WEBHOOKS = os.path.join("stdlib", "fieldnation", "webhooks.json")

AUTOTASK_TYPES = {"integer", "string", "long", "datetime", "boolean", "double", "decimal", "short", "float"}
NODE_TYPES = {"string", "number", "integer", "boolean", "object", "array", "any"}

# Order of keys inside a schema node of the Field Nation trees.
NODE_KEY_ORDER = ("type", "description", "format", "enum", "nullable", "required", "properties", "items")


def die(msg):
    sys.exit("derive_schemas.py: " + msg)


# ---------------------------------------------------------------------------
# Autotask
# ---------------------------------------------------------------------------

def wsdl_field_order(wsdl):
    """Entity name -> its fields in the WSDL's sequence, the order Autotask writes them in and
    clients generated from the WSDL read them in (`id`, from the Entity base type, first)."""
    order = {}
    pattern = re.compile(
        r'<s:complexType name="(\w+)">\s*<s:complexContent[^>]*>\s*<s:extension base="tns:Entity">\s*'
        r'<s:sequence>(.*?)</s:sequence>', re.S)
    for m in pattern.finditer(wsdl):
        order[m.group(1)] = ["id"] + re.findall(r'name="(\w+)"', m.group(2))
    return order


# Calendar dates: GetFieldInfo types them `datetime` and has no date-only flag, but Autotask's
# forms pick a day for these and the API stores midnight (Eastern). A date must not change day
# when shown in another zone, so the checker needs to know them.
DATE_ONLY = {
    "Contract": ("StartDate", "EndDate"),
    "ContractBillingRule": ("StartDate", "EndDate"),
    "ContractBlock": ("DatePurchased", "StartDate", "EndDate"),
    "ContractMilestone": ("DateDue",),
    "ContractRetainer": ("DatePurchased", "StartDate", "EndDate"),
    "ContractServiceAdjustment": ("EffectiveDate",),
    "ContractServiceBundleAdjustment": ("EffectiveDate",),
    "ContractServiceBundleUnit": ("StartDate", "EndDate"),
    "ContractServiceUnit": ("StartDate", "EndDate"),
    "ContractTicketPurchase": ("DatePurchased", "StartDate", "EndDate"),
    "ContactBillingProductAssociation": ("EffectiveDate", "ExpirationDate"),
    "ExpenseItem": ("ExpenseDate",),
    "ExpenseReport": ("WeekEnding",),
    "Holiday": ("HolidayDate",),
    "InstalledProduct": ("InstallDate", "WarrantyExpirationDate"),
    "InstalledProductBillingProductAssociation": ("EffectiveDate", "ExpirationDate"),
    "Invoice": ("FromDate", "ToDate", "DueDate"),
    "Opportunity": ("ProjectedCloseDate", "ProjectedLiveDate", "ThroughDate"),
    "Phase": ("StartDate", "DueDate"),
    "Project": ("StartDateTime", "EndDateTime"),
    "Quote": ("EffectiveDate", "ExpirationDate"),
    "Resource": ("HireDate",),
    "SalesOrder": ("SalesOrderDate", "PromisedDueDate"),
    "Subscription": ("EffectiveDate", "ExpirationDate"),
    "SubscriptionPeriod": ("PeriodDate",),
    "TimeEntry": ("DateWorked",),
}


def derive_autotask(src, wsdl_order):
    """Map the GetEntityInfo/GetFieldInfo JSON to the bundled entities format, fields in the
    WSDL's order (fields the WSDL does not list keep their place after the others)."""
    api_version = src.get("api_version")
    if not api_version:
        die("%s: no api_version" % AUTOTASK_FILE)
    entities = {}
    for name in sorted(src["entities"]):
        ent = src["entities"][name]
        info = ent["info"]
        fields = []
        seen = set()
        for f in ent["fields"]:
            if f["name"] in seen:
                die("%s: duplicate field %s.%s" % (AUTOTASK_FILE, name, f["name"]))
            seen.add(f["name"])
            if f["type"] not in AUTOTASK_TYPES:
                die("%s: unknown type %r on %s.%s" % (AUTOTASK_FILE, f["type"], name, f["name"]))
            out = {"name": f["name"], "label": f["label"], "type": f["type"]}
            if f.get("length") is not None:
                out["length"] = int(f["length"])
            for key in ("required", "read_only", "queryable", "picklist"):
                if f.get(key) is True:
                    out[key] = True
            if f.get("reference"):
                out["reference"] = f["reference"]
            if f.get("picklist_parent"):
                out["picklist_parent"] = f["picklist_parent"]
            if f.get("date_only") is True or f["name"] in DATE_ONLY.get(name, ()):
                if f["type"] != "datetime":
                    die("%s: date-only %s.%s is not a datetime" % (AUTOTASK_FILE, name, f["name"]))
                out["date_only"] = True
            fields.append(out)
        rank = {n: i for i, n in enumerate(wsdl_order.get(name, []))}
        fields.sort(key=lambda f: rank.get(f["name"], len(rank)))
        entities[name] = {
            "can_create": bool(info["CanCreate"]),
            "can_update": bool(info["CanUpdate"]),
            "can_query": bool(info["CanQuery"]),
            "can_delete": bool(info["CanDelete"]),
            "has_udfs": bool(info["HasUserDefinedFields"]),
            "fields": fields,
        }
    # Every reference must name an entity in the set.
    for name, ent in entities.items():
        for f in ent["fields"]:
            ref = f.get("reference")
            if ref and ref not in entities:
                die("%s: %s.%s references unknown entity %s" % (AUTOTASK_FILE, name, f["name"], ref))
            parent = f.get("picklist_parent")
            if parent and parent not in {g["name"] for g in ent["fields"]}:
                die("%s: %s.%s has unknown picklist parent %s" % (AUTOTASK_FILE, name, f["name"], parent))
    return {
        "_source": (
            "Derived from Autotask SOAP API v1.6 GetEntityInfo/GetFieldInfo metadata (API %s) "
            "by tools/derive_schemas.py; picklist values and UDFs are tenant data, see stdlib/tenants/." % api_version
        ),
        "api_version": api_version,
        "entities": entities,
    }


def dump_entities(doc):
    """Readable, diff-friendly layout: one entity header line, one field per line."""
    j = lambda v: json.dumps(v, ensure_ascii=False)
    lines = ["{"]
    lines.append(' "_source": %s,' % j(doc["_source"]))
    lines.append(' "api_version": %s,' % j(doc["api_version"]))
    lines.append(' "entities": {')
    names = list(doc["entities"])
    for i, name in enumerate(names):
        ent = doc["entities"][name]
        head = ", ".join("%s: %s" % (j(k), j(ent[k])) for k in ("can_create", "can_update", "can_query", "can_delete", "has_udfs"))
        lines.append("  %s: {%s," % (j(name), head))
        lines.append('   "fields": [')
        for k, f in enumerate(ent["fields"]):
            sep = "," if k + 1 < len(ent["fields"]) else ""
            lines.append("    " + j(f) + sep)
        lines.append("   ]}" + ("," if i + 1 < len(names) else ""))
    lines.append(" }")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# OpenAPI -> resolved schema tree
# ---------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"'(\[])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "approx.", "no.")


def first_sentence(text):
    """First sentence of a description: first paragraph line, cut at the first sentence end."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not text:
        return None
    text = text.split("\n")[0].strip()
    pos = 0
    while True:
        m = _SENTENCE_END.search(text, pos)
        if not m:
            break
        head = text[: m.start()]
        if head.lower().endswith(_ABBREVIATIONS):
            pos = m.end()
            continue
        text = head
        break
    return text.strip() or None


class Resolver:
    """Resolves an OpenAPI schema into a self-contained tree of plain nodes."""

    def __init__(self, spec, label):
        self.spec = spec
        self.label = label
        self.schemas = spec.get("components", {}).get("schemas", {})

    def lookup(self, ref):
        if not ref.startswith("#/"):
            die("%s: external $ref not supported: %s" % (self.label, ref))
        node = self.spec
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, dict) or part not in node:
                die("%s: unresolved $ref %s" % (self.label, ref))
            node = node[part]
        return node

    def resolve_named(self, name):
        if name not in self.schemas:
            die("%s: no schema %s" % (self.label, name))
        return self.resolve(self.schemas[name], ("#/components/schemas/" + name,))

    def resolve(self, s, stack):
        """stack: tuple of $ref strings on the current path (for cutting recursion)."""
        if not isinstance(s, dict):
            die("%s: schema is not a mapping: %r" % (self.label, s))
        if "$ref" in s:
            ref = s["$ref"]
            if ref in stack:
                node = {"type": "any"}
            else:
                node = self.resolve(self.lookup(ref), stack + (ref,))
            desc = first_sentence(s.get("description"))
            if desc:
                node = dict(node)
                node["description"] = desc
            if s.get("nullable") is True:
                node = dict(node)
                node["nullable"] = True
            return order_node(node)

        if "allOf" in s:
            parts = [self.resolve(p, stack) for p in s["allOf"]]
            node = merge_all_of(parts)
            rest = {k: v for k, v in s.items() if k != "allOf"}
            if rest.get("type") or rest.get("properties"):
                node = merge_all_of([node, self.resolve(rest, stack)])
            desc = first_sentence(s.get("description"))
            if desc:
                node["description"] = desc
            if s.get("nullable") is True:
                node["nullable"] = True
            return order_node(node)

        for key in ("oneOf", "anyOf"):
            if key in s:
                alts = [self.resolve(p, stack) for p in s[key]]
                if alts and all(a.get("type") == "object" for a in alts):
                    node = merge_all_of(alts, union=True)
                else:
                    node = {"type": "any"}
                desc = first_sentence(s.get("description"))
                if desc:
                    node["description"] = desc
                if s.get("nullable") is True:
                    node["nullable"] = True
                return order_node(node)

        node = {}
        typ = s.get("type")
        nullable = s.get("nullable") is True
        if isinstance(typ, list):
            non_null = [t for t in typ if t != "null"]
            if len(non_null) < len(typ):
                nullable = True
            typ = non_null[0] if len(non_null) == 1 else "any"
        if typ is None:
            if "properties" in s:
                typ = "object"
            elif "items" in s:
                typ = "array"
            else:
                typ = "any"
        if typ not in NODE_TYPES:
            die("%s: unknown type %r" % (self.label, typ))
        node["type"] = typ
        desc = first_sentence(s.get("description"))
        if desc:
            node["description"] = desc
        if s.get("format"):
            node["format"] = s["format"]
        if "enum" in s:
            node["enum"] = list(s["enum"])
        if nullable:
            node["nullable"] = True
        if typ == "object":
            if s.get("required"):
                node["required"] = list(s["required"])
            if "properties" in s:
                node["properties"] = {k: self.resolve(v, stack) for k, v in s["properties"].items()}
        if typ == "array":
            node["items"] = self.resolve(s["items"], stack) if "items" in s else {"type": "any"}
        return order_node(node)


def merge_all_of(parts, union=False):
    """Merge resolved nodes (allOf, or oneOf/anyOf of objects when union=True)."""
    if len(parts) == 1:
        return dict(parts[0])
    types = {p["type"] for p in parts}
    if types == {"object"}:
        node = {"type": "object"}
        props = {}
        required = []
        for p in parts:
            for k, v in p.get("properties", {}).items():
                props[k] = v if k not in props else merge_all_of([props[k], v], union)
            if not union:
                for r in p.get("required", []):
                    if r not in required:
                        required.append(r)
            if p.get("description") and "description" not in node:
                node["description"] = p["description"]
        if union:
            common = set(parts[0].get("required", []))
            for p in parts[1:]:
                common &= set(p.get("required", []))
            required = [r for r in parts[0].get("required", []) if r in common]
        if required:
            node["required"] = required
        if props:
            node["properties"] = props
        if any(p.get("nullable") for p in parts):
            node["nullable"] = True
        return order_node(node)
    if len(types) == 1:
        node = dict(parts[0])
        for p in parts[1:]:
            for k, v in p.items():
                node.setdefault(k, v)
        return order_node(node)
    return {"type": "any"}


def order_node(node):
    out = {k: node[k] for k in NODE_KEY_ORDER if k in node}
    for k in node:
        if k not in out:
            die("unexpected node key %r" % k)
    return out


def get_path(tree, path):
    node = tree
    for part in path.split("."):
        if part == "[]":
            node = node["items"]
        else:
            node = node["properties"][part]
    return node


# ---------------------------------------------------------------------------
# Field Nation work-order create body
# ---------------------------------------------------------------------------

def apply_corrections(tree, resolver):
    """Places where WorkOrderCreateDto is less precise than, or contradicts, the
    spec's own schemas for the same data. Each correction is taken from another
    schema of the same spec and listed in the output's _corrections."""
    notes = []

    # custom_fields: the create DTO points at WoCustomFieldsResultDto, which is a
    # single custom field ({id, name, value, ...}); the work order itself (GET,
    # WoCustomFieldsDto) and Field Nation's documentation use
    # custom_fields.results[] (groups) -> results[] (fields {id, value, ...}).
    cf = tree["properties"]["custom_fields"]
    group = resolver.resolve_named("WoCustomFieldsGroupDto")
    results_desc = first_sentence(
        resolver.schemas["WoCustomFieldsDto"]["properties"]["results"].get("description"))
    new_cf = {"type": "object"}
    if cf.get("description"):
        new_cf["description"] = cf["description"]
    new_cf["properties"] = {"results": order_node({"type": "array", "description": results_desc, "items": group})}
    tree["properties"]["custom_fields"] = order_node(new_cf)
    notes.append(
        "custom_fields: spec's WorkOrderCreateDto references WoCustomFieldsResultDto (one custom field); "
        "replaced by results[] of WoCustomFieldsGroupDto, each with results[] of WoCustomFieldsResultDto, "
        "the shape of WoCustomFieldsDto (GET /workorders/{work_order_id}) and of Field Nation's documentation")

    # location.mode: no enum in WoLocationDto; WoLocationUpdateDto (PUT .../location) lists the modes.
    mode = tree["properties"]["location"]["properties"]["mode"]
    if "enum" not in mode:
        mode["enum"] = list(resolver.schemas["WoLocationUpdateDto"]["properties"]["mode"]["enum"])
        tree["properties"]["location"]["properties"]["mode"] = order_node(mode)
        notes.append("location.mode: enum taken from WoLocationUpdateDto.mode (PUT /workorders/{work_order_id}/location)")

    # pay.type: WoPayDto only says "e.g., hourly, fixed"; WoPayUpdateDto (PUT .../pay) lists the types.
    ptype = tree["properties"]["pay"]["properties"]["type"]
    if "enum" not in ptype:
        ptype["enum"] = list(resolver.schemas["WoPayUpdateDto"]["properties"]["type"]["enum"])
        tree["properties"]["pay"]["properties"]["type"] = order_node(ptype)
        notes.append("pay.type: enum taken from WoPayUpdateDto.type (PUT /workorders/{work_order_id}/pay)")
    return notes


def derive_workorder_create(rest, corrections=True):
    r = Resolver(rest, FN_REST_FILE)
    post = rest["paths"]["/api/rest/v2/workorders"]["post"]
    body_ref = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    if not body_ref.endswith("/WorkOrderCreateDto"):
        die("%s: POST /workorders body is %s, expected WorkOrderCreateDto" % (FN_REST_FILE, body_ref))
    tree = r.resolve_named("WorkOrderCreateDto")
    version = rest.get("info", {}).get("version", "2")
    doc = {
        "_source": (
            "Derived from the Field Nation REST API v%s OpenAPI spec (WorkOrderCreateDto, body of POST "
            "/api/rest/v2/workorders) by tools/derive_schemas.py, every $ref/allOf resolved inline%s." % (
                version, "; see _corrections for the places taken from other schemas of the same spec" if corrections else "")
        ),
    }
    if corrections:
        doc["_corrections"] = apply_corrections(tree, r)
    doc["schema"] = tree
    return doc


# ---------------------------------------------------------------------------
# Field Nation webhooks
# ---------------------------------------------------------------------------

def derive_webhooks(hooks, rest):
    # Event names: the enum of subscribable events on CreateWebhook / UpdateWebhook.
    schemas = hooks.get("components", {}).get("schemas", {})
    events = set()
    for name, s in schemas.items():
        ev = s.get("properties", {}).get("events")
        if ev and isinstance(ev.get("items"), dict) and "enum" in ev["items"]:
            events.update(ev["items"]["enum"])
    if not events:
        die("%s: no event enum found" % FN_WEBHOOKS_FILE)

    # The v3 spec describes webhook management only; it has no schema for the
    # delivered payload. Use the REST v2 work-order read schema instead.
    r = Resolver(rest, FN_REST_FILE)
    get = rest["paths"]["/api/rest/v2/workorders/{work_order_id}"]["get"]
    ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    read_name = ref.rsplit("/", 1)[1]
    tree = r.resolve_named(read_name)
    # The read schema types the work order's ids `number`; the path parameter
    # work_order_id is `integer`, and ids are whole numbers: type them so.
    for key in ("id", "work_order_id"):
        node = tree.get("properties", {}).get(key)
        if node and node.get("type") == "number":
            node["type"] = "integer"
    return {
        "_source": (
            "Event names from the Field Nation webhooks v%s OpenAPI spec (the events enum of CreateWebhook/UpdateWebhook); "
            "that spec does not model the delivered payload, so workorder is the REST API v%s work-order read schema "
            "%s (response of GET /api/rest/v2/workorders/{work_order_id}) with every $ref/allOf resolved inline "
            "and its id and work_order_id typed integer like the path parameter, "
            "derived by tools/derive_schemas.py." % (
                hooks.get("info", {}).get("version", "3"), rest.get("info", {}).get("version", "2"), read_name)
        ),
        "events": sorted(events),
        "workorder": tree,
    }


# ---------------------------------------------------------------------------

def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def dump_tree(doc):
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description="Derive fieldmap's bundled schema files from the reference specs.")
    ap.add_argument("reference", help="folder holding the Autotask field info JSON and the Field Nation OpenAPI specs")
    ap.add_argument("--out", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                    help="project root to write into (default: the folder above tools/)")
    ap.add_argument("--no-corrections", action="store_true",
                    help="write WorkOrderCreateDto exactly as the spec states it (see _corrections)")
    args = ap.parse_args(argv)

    ref = args.reference
    with open(os.path.join(ref, AUTOTASK_FILE), encoding="utf-8") as fh:
        autotask = json.load(fh)
    with open(os.path.join(ref, FN_REST_FILE), encoding="utf-8") as fh:
        rest = yaml.safe_load(fh)
    with open(os.path.join(ref, FN_WEBHOOKS_FILE), encoding="utf-8") as fh:
        hooks = yaml.safe_load(fh)
    with open(os.path.join(ref, WSDL_FILE), encoding="utf-8") as fh:
        wsdl = fh.read()

    outputs = [
        (OUT_ENTITIES, dump_entities(derive_autotask(autotask, wsdl_field_order(wsdl)))),
        (OUT_WO_CREATE, dump_tree(derive_workorder_create(rest, corrections=not args.no_corrections))),
        (OUT_WEBHOOKS, dump_tree(derive_webhooks(hooks, rest))),
    ]
    for rel, text in outputs:
        json.loads(text)  # must be valid JSON
        write(os.path.join(args.out, rel), text)
        print("wrote %s (%d bytes)" % (rel.replace(os.sep, "/"), len(text.encode("utf-8"))))


if __name__ == "__main__":
    main()
