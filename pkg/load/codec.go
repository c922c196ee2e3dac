package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// Codec turns one topic's messages into rows of one Arrow schema and writes
// them as Parquet. A loader holds one Codec per topic and asks it for one
// Buffer per assigned partition.
type Codec interface {
	NewBuffer() Buffer
}

// Buffer holds one partition's decoded rows that are not written yet, as
// Arrow columns, and the Parquet writer of the file being written. Rows go
// to the file in row-group-sized spills, so memory holds one spill, not a
// whole file. One goroutine uses it.
type Buffer interface {
	// Append decodes m and adds it as one row. A *RejectError means m is
	// poison (bad JSON, schema violation) and nothing was added.
	Append(m *kafka.Message) error
	// Len is the number of rows not spilled yet; Size the bytes of message
	// values and keys they came from.
	Len() int
	Size() int64
	// Start begins a Parquet file on w; Spill moves the buffered rows into
	// its current row group; EndRowGroup writes that row group out now;
	// Finish writes the last row group and the footer. Reset drops the
	// buffered rows and any started file (its bytes are the caller's to
	// discard).
	Start(w io.Writer) error
	Spill() error
	EndRowGroup() error
	Finish() error
	Reset()
	// RowGroupBytes is the uncompressed size of the rows spilled into the
	// current row group and still held in memory.
	RowGroupBytes() int64
}

// rowWriter writes Arrow record batches into one Parquet file.
type rowWriter interface {
	Write(rec arrow.RecordBatch) error
	EndRowGroup() error
	RowGroupBytes() int64
	Close() error
}

// fileWriter is the Parquet half of a Buffer: the writer of the file being
// written, nil before Start and after Finish or Reset.
type fileWriter struct {
	rw rowWriter
}

func (f *fileWriter) write(rec arrow.RecordBatch) error {
	if f.rw == nil {
		return errors.New("spill before start")
	}
	return f.rw.Write(rec)
}

func (f *fileWriter) EndRowGroup() error {
	if f.rw == nil {
		return nil
	}
	return f.rw.EndRowGroup()
}

func (f *fileWriter) RowGroupBytes() int64 {
	if f.rw == nil {
		return 0
	}
	return f.rw.RowGroupBytes()
}

func (f *fileWriter) Finish() error {
	rw := f.rw
	f.rw = nil
	if rw == nil {
		return errors.New("finish before start")
	}
	return rw.Close()
}

// RejectError says why a message cannot be archived with its topic. Reason
// is one of the DLQ schema's reasons.
type RejectError struct {
	Reason string
	Field  string // the JSON field that failed, if one did
	Err    error  // never holds a field value (values may be PII)
}

func (e *RejectError) Error() string { return e.Reason + ": " + e.Err.Error() }
func (e *RejectError) Unwrap() error { return e.Err }

// Reasons the loader dead-letters a message for (schemas/dlq).
const (
	ReasonInvalidJSON      = "invalid_json"
	ReasonSchemaValidation = "schema_validation"
)

// Message headers the loader reads.
const (
	HeaderEventID    = "ce_id"
	HeaderRecordHash = "ukg_record_hash"
	HeaderRecordID   = "ukg_record_id"
	HeaderSchema     = "ukg_schema"
)

func header(m *kafka.Message, key string) []byte {
	var v []byte
	for _, h := range m.Headers {
		if h.Key == key {
			v = h.Value
			if v == nil {
				v = []byte{}
			}
		}
	}
	return v
}

func meta(m *kafka.Message, withHeaders bool) schema.Meta {
	md := schema.Meta{
		Topic: m.Topic, Partition: int32(m.Partition), Offset: m.Offset, Timestamp: m.Time,
		Key: m.Key, RecordHash: header(m, HeaderRecordHash), EventID: header(m, HeaderEventID),
		RecordID: header(m, HeaderRecordID),
	}
	if withHeaders {
		md.Headers = make([]schema.Header, len(m.Headers))
		for i, h := range m.Headers {
			md.Headers[i] = schema.Header(h)
		}
	}
	return md
}

// SchemaCodec archives a topic with a schema of package schema: its typed
// snake_case columns, then the metadata columns (schema.MetaColumns).
// Unknown fields are allowed and survive in _raw. A deletion (see
// isDeletion) is archived as a row with _deleted true, never rejected.
type SchemaCodec struct {
	s     *schema.Schema
	opts  []schema.Option
	newRW func(w io.Writer) (rowWriter, error)
	mem   memory.Allocator
}

// NewSchemaCodec returns the codec of s; wcfg tunes the Parquet files. Its
// writers (one per partition file) share one set of zstd encoders, and its
// Arrow batches take their memory from mem (nil: a pool of its own; a
// loader passes one pool for all its codecs).
func NewSchemaCodec(s *schema.Schema, wcfg archive.WriterConfig, mem memory.Allocator, opts ...schema.Option) (*SchemaCodec, error) {
	if mem == nil {
		mem = schema.NewPoolAllocator(0)
	}
	c := &SchemaCodec{s: s, opts: opts, mem: mem}
	as := s.ArrowSchema()
	ps, err := archive.ParquetSchema(parquetName(s.Name), as, archive.SchemaOptions{})
	if err != nil {
		return nil, fmt.Errorf("codec %s: %w", s.Name, err)
	}
	wcfg = wcfg.WithSharedEncoders()
	c.newRW = func(w io.Writer) (rowWriter, error) { return archive.NewParquetWriter(w, as, ps, wcfg) }
	return c, nil
}

func parquetName(topic string) string {
	b := []byte(topic)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

// NewBuffer implements Codec.
func (c *SchemaCodec) NewBuffer() Buffer {
	return &schemaBuffer{c: c, b: schema.NewBatch(c.s, c.mem, c.opts...)}
}

type schemaBuffer struct {
	fileWriter
	c    *SchemaCodec
	b    *schema.Batch
	size int64
}

// isDeletion reports whether m deletes its key's record: a tombstone, or a
// vanished job-history row with its identity in the ukg_record_id header.
// kafka-go reads a null value and an empty one alike (both nil), so an
// empty value counts as a deletion too: it holds nothing to archive. On an
// opaque topic (the DLQ) a missing value is a dead letter whose value was
// withheld, not a deletion.
func isDeletion(m *kafka.Message, opaque bool) bool { return len(m.Value) == 0 && !opaque }

func (b *schemaBuffer) Append(m *kafka.Message) error {
	if isDeletion(m, b.c.s.Opaque) {
		b.b.AppendDeletion(meta(m, false))
		b.size += int64(len(m.Key))
		return nil
	}
	err := b.b.Append(m.Value, meta(m, b.c.s.Opaque))
	if err != nil && b.c.s.Opaque {
		// A dead letter whose headers break the DLQ schema is still
		// archived, with the reason it broke it, never sent to the DLQ
		// again.
		md := meta(m, false)
		md.Headers = append(md.Headers, schema.DeadLetter{
			Reason: "invalid_dead_letter", Stage: "loader", Error: err.Error(), OriginTopic: m.Topic,
		}.Headers()...)
		err = b.b.Append(m.Value, md)
	}
	if err != nil {
		return classify(m.Value, err)
	}
	b.size += int64(len(m.Value) + len(m.Key))
	return nil
}

// classify turns a schema error into the DLQ reason: invalid_json when the
// value is not JSON at all, schema_validation otherwise.
func classify(value []byte, err error) *RejectError {
	rej := &RejectError{Reason: ReasonSchemaValidation, Err: err}
	if !json.Valid(value) {
		rej.Reason = ReasonInvalidJSON
	}
	var fe *schema.FieldError
	if errors.As(err, &fe) {
		rej.Field = fe.Field
	} else {
		rej.Field = schema.DeadLetterFor(err, rej.Reason, "loader").Field
	}
	return rej
}

func (b *schemaBuffer) Len() int    { return b.b.Len() }
func (b *schemaBuffer) Size() int64 { return b.size }
func (b *schemaBuffer) Reset()      { b.b.NewRecord().Release(); b.size, b.rw = 0, nil }

func (b *schemaBuffer) Start(w io.Writer) (err error) {
	b.rw, err = b.c.newRW(w)
	return err
}

func (b *schemaBuffer) Spill() error {
	rec := b.b.NewRecord()
	defer rec.Release()
	b.size = 0
	return b.write(rec)
}

// JSONCodec archives a topic that has no schema: the metadata columns only,
// the whole value in _raw. Values that are not one JSON object are rejected
// with reason invalid_json; deletions are archived with _deleted true.
type JSONCodec struct {
	as   *arrow.Schema
	ps   *parquet.Schema
	wcfg archive.WriterConfig
	mem  memory.Allocator
}

// NewJSONCodec returns the schema-less codec of topic; mem as for
// NewSchemaCodec.
func NewJSONCodec(topic string, wcfg archive.WriterConfig, mem memory.Allocator) (*JSONCodec, error) {
	if mem == nil {
		mem = schema.NewPoolAllocator(0)
	}
	as := arrow.NewSchema(schema.MetaArrowFields(), nil)
	ps, err := archive.ParquetSchema(parquetName(topic), as, archive.SchemaOptions{})
	if err != nil {
		return nil, fmt.Errorf("codec %s: %w", topic, err)
	}
	return &JSONCodec{as: as, ps: ps, wcfg: wcfg.WithSharedEncoders(), mem: mem}, nil
}

// NewBuffer implements Codec.
func (c *JSONCodec) NewBuffer() Buffer {
	return &jsonBuffer{c: c, rb: array.NewRecordBuilder(c.mem, c.as)}
}

type jsonBuffer struct {
	fileWriter
	c    *JSONCodec
	rb   *array.RecordBuilder
	n    int
	size int64
}

func (b *jsonBuffer) Append(m *kafka.Message) error {
	deleted := isDeletion(m, false)
	if !deleted && !json.Valid(m.Value) {
		return &RejectError{Reason: ReasonInvalidJSON, Err: errors.New("value is not valid JSON")}
	}
	if i := firstNonSpace(m.Value); !deleted && (i < 0 || m.Value[i] != '{') {
		return &RejectError{Reason: ReasonSchemaValidation, Err: errors.New("value is not a JSON object")}
	}
	f := b.rb.Fields()
	if deleted {
		f[0].(*array.StringBuilder).AppendNull()
	} else {
		f[0].(*array.StringBuilder).BinaryBuilder.Append(m.Value)
	}
	f[1].(*array.StringBuilder).Append(m.Topic)
	f[2].(*array.Int32Builder).Append(int32(m.Partition))
	f[3].(*array.Int64Builder).Append(m.Offset)
	f[4].(*array.TimestampBuilder).Append(arrow.Timestamp(m.Time.UnixMicro()))
	f[5].(*array.StringBuilder).BinaryBuilder.Append(m.Key)
	for i, h := range []string{HeaderRecordHash, HeaderEventID, HeaderRecordID} {
		sb := f[6+i].(*array.StringBuilder)
		if v := header(m, h); v != nil {
			sb.BinaryBuilder.Append(v)
		} else {
			sb.AppendNull()
		}
	}
	f[9].(*array.BooleanBuilder).Append(deleted)
	b.n++
	b.size += int64(len(m.Value) + len(m.Key))
	return nil
}

func firstNonSpace(b []byte) int {
	for i, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		}
		return i
	}
	return -1
}

func (b *jsonBuffer) Len() int    { return b.n }
func (b *jsonBuffer) Size() int64 { return b.size }
func (b *jsonBuffer) Reset()      { b.rb.NewRecordBatch().Release(); b.n, b.size, b.rw = 0, 0, nil }

func (b *jsonBuffer) Start(w io.Writer) (err error) {
	b.rw, err = archive.NewParquetWriter(w, b.c.as, b.c.ps, b.c.wcfg)
	return err
}

func (b *jsonBuffer) Spill() error {
	rec := b.rb.NewRecordBatch()
	defer rec.Release()
	b.n, b.size = 0, 0
	return b.write(rec)
}
