package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteMarkdown writes docs/schemas.md: per topic the latest schema as a
// table (UKG field, JSON type, Parquet column, logical type, nullability,
// PII class), its metadata columns, DDL and example. Its output depends on
// the embedded schemas only; cmd/schemadoc writes and checks the file.
func (r *Registry) WriteMarkdown(w io.Writer) error {
	var b bytes.Buffer
	b.WriteString("# Topic schemas\n\n")
	b.WriteString("<!-- Generated from schemas/ by `go run ./cmd/schemadoc > docs/schemas.md`. Do not edit; `go run ./cmd/schemadoc -check docs/schemas.md` fails when this file is stale. -->\n\n")
	b.WriteString("Every topic value has a JSON Schema (draft 2020-12) in `schemas/<topic>/v<major>.<minor>.json`; ")
	b.WriteString("messages carry its id in the `ukg_schema` header (e.g. `employees/v1.0`). ")
	b.WriteString("UKG field names are kept exactly as the API spells them. Unknown fields are allowed and survive in `_raw`. ")
	b.WriteString("A minor version only adds optional, nullable fields; anything else is a new major version.\n\n")
	b.WriteString("| logical type | JSON accepted | Arrow | Parquet | DuckDB |\n| --- | --- | --- | --- | --- |\n")
	for _, row := range [][]string{
		{"string", "string", "String", "BYTE_ARRAY (STRING)", "VARCHAR"},
		{"int", "integer (also `52.0`)", "Int64", "INT64", "BIGINT"},
		{"bool", "true/false", "Boolean", "BOOLEAN", "BOOLEAN"},
		{"date", "`YYYY-MM-DD` or `YYYY-MM-DDT00:00:00`; `\"\"` is null", "Date32", "INT32 (DATE), days since 1970-01-01", "DATE"},
		{"timestamp", "`YYYY-MM-DDTHH:MM:SS[.ffffff]` plus optional `Z` or `±hh:mm`; without a zone read in `UKG_TENANT_TZ` (default UTC); `\"\"` is null", "Timestamp(µs, UTC)", "INT64 (TIMESTAMP(MICROS, adjusted to UTC))", "TIMESTAMP WITH TIME ZONE"},
		{"decimal(p,s)", "number or decimal string with at most s fractional digits (more is an error, never rounded); `\"\"` is null", "Decimal128(p,s)", "INT64 (DECIMAL(p,s))", "DECIMAL(p,s)"},
		{"double", "number (coordinates only, never money)", "Float64", "DOUBLE", "DOUBLE"},
		{"json", "any JSON, kept as its text", "String", "BYTE_ARRAY (STRING)", "VARCHAR"},
	} {
		fmt.Fprintf(&b, "| %s |\n", strings.Join(row, " | "))
	}
	b.WriteString("\nPII classes (`x-pii`, consumed by the extractor's PII policy): `identifier` national identifiers (hashed by default), ")
	b.WriteString("`bank` bank / direct-deposit / check-cashing details (dropped by default), `sensitive` birth dates, home contact, demographics, health, military, pay (kept by default), `none`.\n\n")
	b.WriteString("Every archive file also has these metadata columns, after the topic's own:\n\n| column | logical type | nullable | meaning |\n| --- | --- | --- | --- |\n")
	for _, m := range MetaColumns {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", m.Name, m.Type, yesNo(m.Nullable), m.Doc)
	}
	b.WriteString("\nThe Hive partition column `dt` (DATE, from `_kafka_timestamp`) is in the path, not in the files.\n\n")
	b.WriteString("Deletions: a message with a null value (a tombstone of a vanished employee, or a vanished job-history row named by its ")
	b.WriteString("`ukg_record_id` header) is archived as a row with `_deleted = true`: `_key`, `_kafka_*`, `_event_id` and `_record_id` filled, ")
	b.WriteString("`_raw` and every typed column null. So every typed column is nullable in the files, whatever the *nullable* column of a ")
	b.WriteString("topic's table says (that column is the JSON contract of a record). A record's identity is `_key` plus, for job history, ")
	b.WriteString("`_record_id` (its `systemId`; `coalesce(_record_id, system_id)` also covers rows archived before the header existed); ")
	b.WriteString("its current state is its latest row by `_kafka_offset`, absent when that row is a deletion (`WHERE _deleted IS NOT TRUE`). ")
	b.WriteString("See [archive.md](archive.md#deletions).\n\n")
	b.WriteString("Topics: ")
	for i, n := range r.Names() {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "[%s](#%s)", n, n)
	}
	b.WriteString("\n")
	for _, n := range r.Names() {
		s := r.Topic(n)
		fmt.Fprintf(&b, "\n## %s\n\n", n)
		fmt.Fprintf(&b, "**%s** — `%s`", s.Title, s.ID())
		var older []string
		for _, v := range r.Versions(n) {
			if v != s {
				older = append(older, "`"+v.ID()+"`")
			}
		}
		if len(older) > 0 {
			fmt.Fprintf(&b, " (also released: %s)", strings.Join(older, ", "))
		}
		b.WriteString("\n\n")
		b.WriteString(s.Description + "\n\n")
		if s.Source != "" {
			fmt.Fprintf(&b, "- Source: %s\n", s.Source)
		}
		if s.KeyFields.Company != "" {
			fmt.Fprintf(&b, "- Key: `<%s>/<%s>`\n", s.KeyFields.Company, s.KeyFields.Employee)
		}
		if len(s.CodeKey) > 0 {
			fmt.Fprintf(&b, "- Key: `<%s>`\n", strings.Join(s.CodeKey, ">/<"))
		}
		if s.RowKey != "" {
			fmt.Fprintf(&b, "- Row key: `%s` (with the key)\n", s.RowKey)
		}
		fmt.Fprintf(&b, "- Schema file: `schemas/%s/v%s.json`\n\n", s.Name, s.Version)
		hdr := s.Opaque
		if hdr {
			b.WriteString("| header | field | JSON type | Parquet column | logical type | nullable | PII |\n| --- | --- | --- | --- | --- | --- | --- |\n")
		} else {
			b.WriteString("| UKG field | JSON type | Parquet column | logical type | nullable | PII |\n| --- | --- | --- | --- | --- | --- |\n")
		}
		for i := range s.Fields {
			f := &s.Fields[i]
			name := "`" + f.JSONName + "`"
			if len(f.Aliases) > 0 {
				name += " (alias `" + strings.Join(f.Aliases, "`, `") + "`)"
			}
			if f.Required {
				name += " *required*"
			}
			p := &s.props[s.propIndex[f.JSONName]]
			if hdr {
				fmt.Fprintf(&b, "| `%s` ", f.Header)
			}
			fmt.Fprintf(&b, "| %s | %s | `%s` | %s | %s | %s |\n", name, kindsString(p.kinds), f.Column, f.TypeString(), yesNo(f.Nullable), f.PII)
		}
		ddl, err := s.DDL("duckdb", strings.ReplaceAll(n, "-", "_"), "/data/ukgpro/"+n)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "\nDuckDB (`schema.DDL`; also spark, trino, athena):\n\n```sql\n%s```\n", ddl)
		var ex bytes.Buffer
		if err := json.Indent(&ex, s.Examples[0], "", "  "); err != nil {
			return err
		}
		fmt.Fprintf(&b, "\nExample:\n\n```json\n%s\n```\n", ex.String())
	}
	_, err := w.Write(b.Bytes())
	return err
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func kindsString(k jsonKinds) string {
	var out []string
	for i, name := range []string{"null", "boolean", "integer", "number", "string", "array", "object"} {
		if k&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return strings.Join(out, ", ")
}
