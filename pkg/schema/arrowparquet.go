package schema

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// MetaColumn is one archive metadata column, appended after the schema's own
// columns in every topic's archive (not part of the JSON Schema).
type MetaColumn struct {
	Name     string
	Type     Type
	Nullable bool
	Doc      string
}

// MetaColumns are the metadata columns, in archive order.
var MetaColumns = []MetaColumn{
	{"_raw", String, true, "the message value as received, lossless; null on a deletion (dlq: see the dlq schema)"},
	{"_kafka_topic", String, false, "Kafka topic"},
	{"_kafka_partition", int32Type, false, "Kafka partition"},
	{"_kafka_offset", Int, false, "Kafka offset"},
	{"_kafka_timestamp", Timestamp, false, "Kafka record timestamp (also the dt= partition)"},
	{"_key", String, false, "message key <companyId>/<employeeId>"},
	{"_record_hash", String, true, "ukg_record_hash header"},
	{"_event_id", String, true, "ce_id header"},
	{"_record_id", String, true, "ukg_record_id header: the record's identity within its key where the key alone is not one (job history: systemId)"},
	{"_deleted", Bool, false, "true: the message was a deletion (null value: a tombstone, or a vanished job-history row named by _record_id); its typed columns and _raw are null"},
}

// MetaArrowFields are the Arrow fields of MetaColumns, in order: the last
// columns of every ArrowSchema.
func MetaArrowFields() []arrow.Field {
	fields := make([]arrow.Field, len(MetaColumns))
	for i, m := range MetaColumns {
		fields[i] = arrow.Field{Name: m.Name, Type: arrowType(m.Type, 0, 0), Nullable: m.Nullable}
	}
	return fields
}

func arrowType(t Type, p, s int) arrow.DataType {
	switch t {
	case String, JSON:
		return arrow.BinaryTypes.String
	case Int:
		return arrow.PrimitiveTypes.Int64
	case int32Type:
		return arrow.PrimitiveTypes.Int32
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	case Date:
		return arrow.FixedWidthTypes.Date32
	case Timestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case Decimal:
		return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}
	case Double:
		return arrow.PrimitiveTypes.Float64
	}
	panic(fmt.Sprintf("schema: no Arrow type for %v", t))
}

// ArrowSchema is the archive's Arrow schema: one column per Field in
// declaration order, then MetaColumns. Every Field's column is nullable,
// whatever the JSON Schema says: a deletion row (_deleted) has no values.
// Field metadata carries the JSON name (ukg.json) and PII class (ukg.pii);
// schema metadata carries ukg_schema.
func (s *Schema) ArrowSchema() *arrow.Schema {
	fields := make([]arrow.Field, 0, len(s.Fields)+len(MetaColumns))
	for _, f := range s.Fields {
		md := arrow.NewMetadata([]string{"ukg.json", "ukg.pii"}, []string{f.JSONName, string(f.PII)})
		fields = append(fields, arrow.Field{Name: f.Column, Type: arrowType(f.Type, f.Precision, f.Scale), Nullable: true, Metadata: md})
	}
	fields = append(fields, MetaArrowFields()...)
	md := arrow.NewMetadata([]string{"ukg_schema"}, []string{s.ID()})
	return arrow.NewSchema(fields, &md)
}
