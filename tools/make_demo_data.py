#!/usr/bin/env python3
"""Writes the demo tenant's records as Autotask SOAP query responses, shaped as the real API
writes them: `id` first, then every UDF (Value omitted when null), then the non-null fields in
schema order with `xsi:type`; empty strings self-closing; date-times as US Eastern wall clock.

Run from the project root: python3 tools/make_demo_data.py
The ids and picklist values match stdlib/tenants/demo.json.
"""
import json
import os
from xml.sax.saxutils import escape

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENTITIES = json.load(open(os.path.join(ROOT, "stdlib/autotask/entities.json")))["entities"]
TENANT = json.load(open(os.path.join(ROOT, "stdlib/tenants/demo.json")))
OUT = os.path.join(ROOT, "mappings/fixtures")

XSD = {"integer": "xsd:int", "long": "xsd:long", "short": "xsd:short", "string": "xsd:string",
       "datetime": "xsd:dateTime", "boolean": "xsd:boolean", "decimal": "xsd:decimal",
       "double": "xsd:double", "float": "xsd:float"}


def wire(value, ty):
    if ty == "boolean":
        return "true" if value else "false"
    if ty == "decimal":
        return f"{value:.4f}"
    return str(value)


def entity_xml(entity, record):
    fields = ENTITIES[entity]["fields"]
    udfs = TENANT["udfs"].get(entity, [])
    parts = [f'<Entity xsi:type="{entity}">', f'<id xsi:type="xsd:long">{record["id"]}</id>']
    if ENTITIES[entity].get("has_udfs"):
        values = record.get("udfs", {})
        if any(values.get(u["name"]) is not None for u in udfs):
            parts.append("<UserDefinedFields>")
            for u in udfs:
                v = values.get(u["name"])
                if v is None:
                    parts.append(f"<UserDefinedField><Name>{escape(u['name'])}</Name></UserDefinedField>")
                else:
                    parts.append(f"<UserDefinedField><Name>{escape(u['name'])}</Name><Value>{escape(str(v))}</Value></UserDefinedField>")
            parts.append("</UserDefinedFields>")
        else:
            parts.append("<UserDefinedFields />")
    known = {f["name"]: f for f in fields}
    for name in record:
        if name not in ("id", "udfs") and name not in known:
            raise SystemExit(f"{entity} has no field {name}")
    for f in fields:
        name = f["name"]
        if name == "id" or name not in record or record[name] is None:
            continue
        value = record[name]
        xsd = XSD[f["type"]]
        if value == "":
            parts.append(f'<{name} xsi:type="{xsd}" />')
        else:
            parts.append(f'<{name} xsi:type="{xsd}">{escape(wire(value, f["type"]))}</{name}>')
    parts.append("</Entity>")
    return "".join(parts)


def write(file, entity, records):
    body = "".join(entity_xml(entity, r) for r in records)
    xml = ('<?xml version="1.0" encoding="utf-8"?>'
           '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
           '<soap:Body><queryResponse xmlns="http://autotask.net/ATWS/v1_6/"><queryResult>'
           f'<ReturnCode>1</ReturnCode><EntityResults>{body}</EntityResults>'
           f'<EntityResultType>{entity.lower()}</EntityResultType><Errors /><EntityReturnInfoResults />'
           '</queryResult></queryResponse></soap:Body></soap:Envelope>\n')
    with open(os.path.join(OUT, file), "w", encoding="utf-8") as f:
        f.write(xml)


ACCOUNTS = [
    {"id": 29683500, "AccountName": "Müller Hospitality Group", "Address1": "400 Nicollet Mall", "City": "Minneapolis",
     "State": "MN", "PostalCode": "55401", "Country": "US", "Phone": "612-555-0100", "AccountType": 1, "Active": True,
     "CreateDate": "2019-04-02T10:15:00", "OwnerResourceID": 29682901, "udfs": {"Site Code": "MHG-HQ", "FN Client ID": 8801}},
    {"id": 29683552, "AccountName": "Café Müller & Söhne", "Address1": "12 Main St", "Address2": "Suite 5B",
     "City": "Minneapolis", "State": "MN", "PostalCode": "55401", "Country": "US", "Phone": "612-555-0142",
     "AccountType": 1, "ParentAccountID": 29683500, "Active": True, "CreateDate": "2021-09-14T08:30:00",
     "OwnerResourceID": 29682901, "udfs": {"Site Code": "CM-005"}},
    {"id": 29683560, "AccountName": "Northwind Dental", "Address1": "233 S Wacker Dr", "City": "Chicago",
     "State": "IL", "PostalCode": "60606", "Phone": "312-555-0199", "AccountType": 1, "Active": True,
     "CreateDate": "2022-01-10T12:00:00", "OwnerResourceID": 29682885},
]
CONTACTS = [
    {"id": 30684411, "AccountID": 29683552, "FirstName": "Zoë", "LastName": "Schmidt", "Title": "Store Manager",
     "EMailAddress": "zoe.schmidt@cafe-mueller.example", "Phone": "612-555-0143", "MobilePhone": "612-555-0177",
     "Active": 1, "PrimaryContact": True, "CreateDate": "2021-09-14T08:45:00"},
    {"id": 30684502, "AccountID": 29683560, "FirstName": "Raj", "LastName": "Patel", "Title": "Office Manager",
     "EMailAddress": "raj.patel@northwind-dental.example", "Phone": "312-555-0123", "Extension": "12",
     "Active": 1, "PrimaryContact": True, "CreateDate": "2022-01-10T12:30:00"},
]
RESOURCES = [
    {"id": 29682885, "FirstName": "Dana", "LastName": "Whitfield", "Email": "dana.whitfield@msp.example",
     "OfficePhone": "651-555-0110", "Active": True, "UserName": "dwhitfield", "ResourceType": "Employee"},
    {"id": 29682901, "FirstName": "Marcus", "LastName": "Oyelaran", "Email": "marcus.oyelaran@msp.example",
     "OfficePhone": "651-555-0111", "Active": True, "UserName": "moyelaran", "ResourceType": "Employee"},
]
TICKETS = [
    # Qualifies: status and UDF; a winter due date.
    {"id": 9137, "TicketNumber": "T20250114.0042", "Title": "Printer & scanner down – Café Müller front desk",
     "Description": "Front desk printer (HP LaserJet M507) shows \"Error 49.4C02\" & the scanner won't pair.\n"
                    "Replace fuser if < 5% life.",
     "AccountID": 29683552, "ContactID": 30684411, "AssignedResourceID": 29682885, "AssignedResourceRoleID": 29683399,
     "Status": 29682833, "Priority": 1, "QueueID": 29683497, "IssueType": 17, "SubIssueType": 211, "TicketType": 2,
     "Source": 2, "DueDateTime": "2025-01-15T09:00:00", "EstimatedHours": 2.5, "CreateDate": "2025-01-14T16:22:05.27",
     "udfs": {"Send to FN": "Yes", "Site Access Notes": "Badge at reception — ask for Zoë", "Room Number": "B-12"}},
    # Qualifies through the queue; no contact; due in the fall-back hour; long job.
    {"id": 9138, "TicketNumber": "T20241101.0007", "Title": "Patch rack 3 and relabel switch ports",
     "Description": "", "AccountID": 29683560, "Status": 29682833, "Priority": 2, "QueueID": 29683497,
     "IssueType": 15, "SubIssueType": 207, "TicketType": 1, "Source": 4, "DueDateTime": "2024-11-03T01:30:00",
     "EstimatedHours": 6, "CreateDate": "2024-11-01T10:02:00", "udfs": {"Send to FN": "No"}},
    # Does not qualify: still New.
    {"id": 9139, "TicketNumber": "T20250114.0051", "Title": "Replace docking station", "AccountID": 29683552,
     "ContactID": 30684411, "Status": 1, "Priority": 3, "QueueID": 29683484, "IssueType": 14, "SubIssueType": 214,
     "TicketType": 1, "Source": -1, "DueDateTime": "2025-01-20T13:00:00", "EstimatedHours": 1,
     "CreateDate": "2025-01-14T17:40:00"},
]
PROJECTS = [
    {"id": 5501, "ProjectName": "Northwind Dental – Wi-Fi refresh", "AccountID": 29683560, "Type": 5,
     "Status": 1, "StartDateTime": "2025-06-01T00:00:00", "EndDateTime": "2025-08-29T00:00:00",
     "ProjectNumber": "P20250601.0003", "ProjectLeadResourceID": 29682901},
]
LOCATIONS = [
    {"id": 88001, "AccountID": 29683560, "Name": "Northwind Dental – Loop office", "Address1": "233 S Wacker Dr",
     "Address2": "Floor 2", "City": "Chicago", "State": "IL", "PostalCode": "60606", "Phone": "312-555-0199",
     "Active": True, "Primary": True},
    {"id": 88002, "AccountID": 29683552, "Name": "Café Müller – Uptown", "Address1": "1300 W Lake St",
     "City": "Minneapolis", "State": "MN", "PostalCode": "55408", "Active": True, "Primary": False},
]
TASKS = [
    {"id": 7701, "TaskNumber": "T20250601.0003.004", "Title": "Install ceiling access points – floor 2",
     "Description": "Mount 4 Meraki MR46 on the ceiling grid; cable runs are in place.", "ProjectID": 5501,
     "AccountPhysicalLocationID": 88001, "AssignedResourceID": 29682901, "TaskType": 29682840,
     "Status": 29682838, "PriorityLabel": 1, "DepartmentID": 29683102, "EstimatedHours": 3.5,
     "StartDateTime": "2025-07-15T09:00:00", "EndDateTime": "2025-07-15T12:30:00", "CreateDateTime": "2025-06-20T11:00:00"},
    {"id": 7702, "TaskNumber": "T20250601.0003.005", "Title": "Remote controller configuration", "ProjectID": 5501,
     "TaskType": 1, "Status": 29682838, "PriorityLabel": 2, "DepartmentID": 29683103, "EstimatedHours": 2,
     "StartDateTime": "2025-07-16T09:00:00", "CreateDateTime": "2025-06-20T11:05:00"},
]
SERVICE_CALLS = [
    {"id": 4401, "AccountID": 29683552, "AccountPhysicalLocationID": 88002, "Status": 29682852,
     "Description": "Quarterly POS terminal maintenance: clean printers, update firmware, test card readers.",
     "StartDateTime": "2025-03-09T13:00:00", "EndDateTime": "2025-03-09T15:30:00", "Duration": 2.5,
     "Complete": 0, "CreateDateTime": "2025-02-20T10:00:00"},
]

write("accounts.xml", "Account", ACCOUNTS)
write("contacts.xml", "Contact", CONTACTS)
write("resources.xml", "Resource", RESOURCES)
write("tickets.xml", "Ticket", TICKETS)
write("projects.xml", "Project", PROJECTS)
write("locations.xml", "AccountPhysicalLocation", LOCATIONS)
write("tasks.xml", "Task", TASKS)
write("service-calls.xml", "ServiceCall", SERVICE_CALLS)
