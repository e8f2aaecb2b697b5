//! Autotask SOAP API v1.6: the wire reader and loading records from query responses.
