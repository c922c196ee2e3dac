package schema

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
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

// MetaArrowFields are the Arrow fields of MetaColumns, in order: the whole
// schema of a topic archived without a schema of its own.
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

func parquetLeaf(t Type, p, s int) parquet.Node {
	switch t {
	case String, JSON:
		return parquet.String()
	case Int:
		return parquet.Int(64)
	case int32Type:
		return parquet.Int(32)
	case Bool:
		return parquet.Leaf(parquet.BooleanType)
	case Date:
		return parquet.Date()
	case Timestamp:
		return parquet.Timestamp(parquet.Microsecond) // isAdjustedToUTC=true
	case Decimal:
		return parquet.Decimal(s, p, parquet.Int64Type)
	case Double:
		return parquet.Leaf(parquet.DoubleType)
	}
	panic(fmt.Sprintf("schema: no Parquet type for %v", t))
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

// ParquetSchema is the archive's Parquet schema, column for column the same
// as ArrowSchema, in the same (declared) order: parquet.Group would sort
// columns by name, so the root is an ordered group node. Field columns and
// nullable metadata columns are OPTIONAL, the others REQUIRED. DATE is int32 days, TIMESTAMP is
// int64 microseconds adjusted to UTC, DECIMAL(p<=18) is int64.
func (s *Schema) ParquetSchema() *parquet.Schema {
	g := make(orderedGroup, 0, len(s.Fields)+len(MetaColumns))
	add := func(name string, n parquet.Node, nullable bool) {
		if nullable {
			n = parquet.Optional(n)
		}
		g = append(g, &namedField{Node: n, name: name})
	}
	for _, f := range s.Fields {
		add(f.Column, parquetLeaf(f.Type, f.Precision, f.Scale), true)
	}
	for _, m := range MetaColumns {
		add(m.Name, parquetLeaf(m.Type, 0, 0), m.Nullable)
	}
	return parquet.NewSchema(strings.ReplaceAll(s.Name, "-", "_"), g)
}

// orderedGroup is a parquet group node that keeps its fields in the given
// order (parquet.Group is a map and sorts them).
type orderedGroup []parquet.Field

func (g orderedGroup) group() parquet.Group {
	m := make(parquet.Group, len(g))
	for _, f := range g {
		m[f.Name()] = f
	}
	return m
}

func (g orderedGroup) ID() int                     { return 0 }
func (g orderedGroup) String() string              { return g.group().String() }
func (g orderedGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g orderedGroup) Optional() bool              { return false }
func (g orderedGroup) Repeated() bool              { return false }
func (g orderedGroup) Required() bool              { return true }
func (g orderedGroup) Leaf() bool                  { return false }
func (g orderedGroup) Fields() []parquet.Field     { return g }
func (g orderedGroup) Encoding() encoding.Encoding { return nil }
func (g orderedGroup) Compression() compress.Codec { return nil }
func (g orderedGroup) GoType() reflect.Type        { return g.group().GoType() }

type namedField struct {
	parquet.Node
	name string
}

func (f *namedField) Name() string { return f.name }

// Value supports map[string]T rows only; the archive writes columns, not Go
// values.
func (f *namedField) Value(base reflect.Value) reflect.Value {
	if base.Kind() == reflect.Interface {
		base = base.Elem()
	}
	if base.Kind() == reflect.Map {
		return base.MapIndex(reflect.ValueOf(f.name))
	}
	return reflect.Value{}
}

// WriteArrow appends the rows of rec, a record built by a Batch of this
// schema, to buf, a parquet.Buffer of ParquetSchema(); the caller writes the
// buffer as a row group (parquet.Writer.WriteRowGroup) when it is big
// enough. Values are copied: rec may be released afterwards.
func (s *Schema) WriteArrow(buf *parquet.Buffer, rec arrow.RecordBatch) error {
	ps := buf.Schema()
	cols := buf.ColumnBuffers()
	var vals []parquet.Value
	for i, af := range rec.Schema().Fields() {
		leaf, ok := ps.Lookup(af.Name)
		if !ok {
			return fmt.Errorf("write %s: column %s not in the Parquet schema", s.ID(), af.Name)
		}
		ci := leaf.ColumnIndex
		maxDef := 0
		if leaf.Node.Optional() {
			maxDef = 1
		}
		col := rec.Column(i)
		vals = vals[:0]
		for r := 0; r < col.Len(); r++ {
			if col.IsNull(r) {
				if maxDef == 0 {
					return fmt.Errorf("write %s: null in required column %s", s.ID(), af.Name)
				}
				vals = append(vals, parquet.Value{}.Level(0, 0, ci))
				continue
			}
			var v parquet.Value
			switch a := col.(type) {
			case *array.String:
				v = parquet.ByteArrayValue([]byte(a.Value(r)))
			case *array.Int64:
				v = parquet.Int64Value(a.Value(r))
			case *array.Int32:
				v = parquet.Int32Value(a.Value(r))
			case *array.Boolean:
				v = parquet.BooleanValue(a.Value(r))
			case *array.Date32:
				v = parquet.Int32Value(int32(a.Value(r)))
			case *array.Timestamp:
				v = parquet.Int64Value(int64(a.Value(r)))
			case *array.Decimal128:
				v = parquet.Int64Value(int64(a.Value(r).LowBits())) // precision <= 18
			case *array.Float64:
				v = parquet.DoubleValue(a.Value(r))
			default:
				return fmt.Errorf("write %s: column %s: unsupported Arrow type %s", s.ID(), af.Name, col.DataType())
			}
			vals = append(vals, v.Level(0, maxDef, ci))
		}
		if _, err := cols[ci].WriteValues(vals); err != nil {
			return fmt.Errorf("write %s column %s: %w", s.ID(), af.Name, err)
		}
	}
	return nil
}
