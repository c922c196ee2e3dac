// Package pii applies the field-level PII policy to UKG records before
// anything reaches Kafka, logs or the dead-letter queue: per top-level field
// keep, hash (keyed HMAC-SHA256, so equal identifiers hash equally across
// runs and joins still work), hash-last4 (the hash plus a <field>Last4
// member with the last 4 letters or digits), mask or drop.
//
// Learn [Policy] first: [New] builds one from [Config] (PII_HMAC_KEY,
// PII_POLICY_FILE) and the schemas' field classes ([Class]: none, sensitive,
// identifier, account, bank), [Policy.Apply] rewrites a record's JSON without
// disturbing the bytes it keeps, and [Policy.Redact] renders a record safe
// for a log line or a DLQ reason. [Rules] is the policy file.
//
// Defaults: identifiers hashed, bank account identifiers hashed with their
// last 4 beside them, other bank details dropped, everything else kept.
// Field names match case-insensitively (UKG's casing varies between
// endpoints), and [Builtin] classifies a few well-known names (ssn,
// nationalId, account and routing numbers, …) even when a schema forgets.
// The package does not import pkg/schema: the caller passes the classes.
// docs/pii.md documents defaults, file format, hash and mask formats.
//
// Left out: nested fields (UKG records are flat; a nested value is treated
// as one value of its top-level field) and reversible encryption.
package pii
