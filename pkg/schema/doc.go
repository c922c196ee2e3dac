// Package schema is the data contract of ukgpro-stream: the JSON Schemas of
// every topic value (embedded from schemas/) and everything derived from
// them — the library validator the extractor runs, the fast JSON → Arrow
// converter the loader runs, the Arrow schema of the archive,
// DDL for DuckDB/Spark/Trino/Athena and docs/schemas.md. Nothing here is
// kept by hand in parallel with the schema files.
//
// Learn these first:
//
//   - [Load] returns the [Registry] of every released schema version;
//     [Registry.Topic] gives the latest [Schema] of a topic, [Registry.Lookup]
//     the one a ukg_schema header names.
//   - [Schema] describes one version: its [Field]s (JSON name and aliases,
//     Parquet column, logical [Type], [PIIClass], nullability), key fields
//     and row key. [Schema.Validate] checks one record with the JSON Schema
//     library (santhosh-tekuri/jsonschema/v6); [Schema.PIIClasses] feeds the
//     extractor's PII policy.
//   - [Batch] is the loader's hot path: [Batch.Append] scans the JSON bytes
//     once and appends typed values to Arrow builders; [Batch.NewRecord]
//     hands over an arrow.RecordBatch with [Schema.ArrowSchema] (the typed
//     fields, then [MetaColumns]). Package archive turns that Arrow schema
//     into Parquet (archive.ParquetSchema) and writes the batches
//     (archive.ParquetWriter): the one Arrow → Parquet path, which this
//     package's DuckDB tests use too.
//   - Errors are [*FieldError] values naming the field and the record key,
//     never the value.
//
// Both validation paths accept exactly the same records (TestPathsAgree,
// FuzzAgree): Load refuses schemas using a keyword the fast path does not
// enforce. Conversions are exact: money goes to DECIMAL through an exact
// decimal parser, never float64; a value with more fractional digits than
// the column's scale is an error, never rounded. See
// docs/decisions/0010-0014 for the choices and docs/schemas.md for the
// generated field tables.
//
// Left out: nested UKG objects (the endpoints return flat objects; an x-type
// json column keeps any nested value as text), and schema-registry
// integration (schemas travel as files and the ukg_schema header).
package schema
