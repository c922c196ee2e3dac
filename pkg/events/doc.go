// Package events is the consumer's kit for the ukgpro topics: it decodes a
// kafka-go message of any ukgpro topic into a typed [Event] — lifecycle
// events ([LifecycleEvent]), employee, person, job-history and compensation
// records ([Employee], [Person], [JobHistory], [Compensation]), the
// configuration code tables ([Company], [OrgLevel], [Job], [Location],
// [Position]), contacts, PTO, bank and contract rows, deletions, dead
// letters ([DeadLetter]) — with the CloudEvents binary-mode attributes (ce_id, type,
// source, subject, time, ukg_record_hash, schema version) as fields, and it
// offers a bounded [Deduper] by ce_id for consumers that must not act twice.
//
// Learn [Decoder] and [Event] first; the record types are generated from
// schemas/, so their fields are the API's names, exported (companyID →
// CompanyID). Dates, timestamps and decimals keep the text UKG sent
// ([Date], [Timestamp], [Decimal]) and parse on demand: decimals are never
// floats, and UKG timestamps are tenant-local without a zone.
//
// # Schema versions
//
// Every message names its schema in the ukg_schema header
// ("employees/v1.0"). A minor version only adds optional fields, which this
// package ignores (Value still holds them). A major version this build does
// not know is rejected with a [*SchemaError] (errors.Is ErrUnknownSchema):
// its fields may mean something else, so acting on it would be a guess.
// Upgrade the consumer, or park the message (a dead-letter topic) and go
// on.
//
// # Ordering
//
// Every topic is keyed per employee ("<companyId>/<employeeId>") and the
// extractor partitions by key (murmur2, like the Java client), so one
// employee's messages are in one partition, in the order they were
// published: hired before terminated before rehired. Kafka keeps that order
// only within a partition, so a consumer keeps it by
//
//   - handling one partition's messages in offset order, or, to work on
//     several at once, never two messages of the same key at the same time
//     and never a later one before an earlier one (ukgpro-relay does this);
//   - committing an offset only after every message before it is handled
//     (a failed message must block its key's later ones, and the commit, not
//     be skipped);
//   - not re-keying or re-partitioning the stream before acting on it.
//
// There is no order across employees or across topics: an employee's
// lifecycle event and the employment record it was derived from are in
// different topics, and a consumer that needs both joins them by ce_id
// ([LifecycleEvent].Sources names the records' ce_ids).
//
// # Duplicates and deletions
//
// Delivery is at least once: after a crash or a rebalance a consumer sees
// messages again, with the same ce_id. The extractor also never publishes
// a record twice when its content did not change, but a crash between the
// produce and its checkpoint can repeat one, with the same ce_id. Keep the
// ce_ids you acted on ([Deduper] for a bounded window in memory, your own
// store for longer) and use them as idempotency keys downstream.
//
// A message with a null value is a deletion ([Event].Deleted): on the
// compacted topics (employees, people, compensation) a tombstone, the
// record is gone from UKG; on job-history a deleted row, named by the
// ukg_record_id header ([Attributes].RecordID). An employee that vanishes
// from the tenant also gets one employee.removed lifecycle event, the one to
// deprovision on.
package events
