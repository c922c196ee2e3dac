package load

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/parquet-go/parquet-go"
	"github.com/segmentio/kafka-go"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// codec is one topic's way from Kafka messages to Parquet: messages become
// rows of an Arrow batch (schema.Batch, typed from the topic's schema, then
// schema.MetaColumns), and batches are written by archive.ParquetWriter
// with archive.ParquetSchema of the batch's Arrow schema — the one Arrow →
// Parquet path, which the schema package's DuckDB tests exercise too. One
// codec serves every partition of its topic; each partition worker holds its
// own Batch and writer.
type codec struct {
	s    *schema.Schema
	opts []schema.Option
	mem  memory.Allocator
	as   *arrow.Schema
	ps   *parquet.Schema
	wcfg archive.WriterConfig

	mu sync.Mutex
	// schemas are the file schemas chosen so far (ps with some string
	// columns plain, see fileSchema), by their plain columns: one pointer
	// per choice, so pooled writers of a choice are found again.
	schemas map[string]*parquet.Schema
}

// newCodec returns the codec of s; wcfg tunes the Parquet files (a loader
// passes one made by WithSharedEncoders, so that the writers of all its
// topics share one set of zstd encoders). Its Arrow batches take their
// memory from mem (nil: a pool of its own; a loader passes one pool for all
// its codecs).
func newCodec(s *schema.Schema, wcfg archive.WriterConfig, mem memory.Allocator, opts ...schema.Option) (*codec, error) {
	if mem == nil {
		mem = schema.NewPoolAllocator(0)
	}
	as := s.ArrowSchema()
	ps, err := archive.ParquetSchema(s.Name, as, archive.SchemaOptions{})
	if err != nil {
		return nil, fmt.Errorf("codec %s: %w", s.Name, err)
	}
	return &codec{s: s, opts: opts, mem: mem, as: as, ps: ps, wcfg: wcfg}, nil
}

// newBatch returns an empty batch for one partition.
func (c *codec) newBatch() *schema.Batch { return schema.NewBatch(c.s, c.mem, c.opts...) }

// columns is the number of columns of the topic's files.
func (c *codec) columns() int { return c.as.NumFields() }

// newWriter starts a Parquet file on w with pages of at most pageBytes
// (0: the configured size); its first batch decides which string columns
// it writes plain.
func (c *codec) newWriter(w io.Writer, pageBytes int) (*archive.ParquetWriter, error) {
	cfg := c.wcfg
	if pageBytes > 0 {
		cfg.PageBytes = pageBytes
	}
	return archive.NewParquetWriter(w, c.as, c.ps, cfg)
}

// newFileWriter starts a Parquet file of schema ps (from fileSchema) on w
// with pages of at most pageBytes (0: the configured size). The writer
// keeps ps through Reset: the loader's writer pool reuses it for the next
// segment of any partition whose file has the same schema.
func (c *codec) newFileWriter(w io.Writer, ps *parquet.Schema, pageBytes int) (*archive.ParquetWriter, error) {
	cfg := c.wcfg
	cfg.SchemaAsGiven = true
	if pageBytes > 0 {
		cfg.PageBytes = pageBytes
	}
	return archive.NewParquetWriter(w, c.as, ps, cfg)
}

// fileSchema is the Parquet schema of a file whose first rows are rec:
// the topic's, with the string columns whose sampled values in rec are
// mostly distinct written plain (archive.PlainColumns). Every segment of
// one publication is written with the schema its first one got.
func (c *codec) fileSchema(rec arrow.RecordBatch) (*parquet.Schema, error) {
	return c.plainSchema(archive.PlainColumns(rec, c.ps, c.wcfg))
}

// plainSchema is the topic's Parquet schema with the string columns in
// plain written without a dictionary.
func (c *codec) plainSchema(plain []string) (*parquet.Schema, error) {
	if len(plain) == 0 {
		return c.ps, nil
	}
	key := strings.Join(plain, ",")
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.schemas[key]; ok {
		return ps, nil
	}
	ps, err := archive.WithPlainColumns(c.ps, c.as, plain)
	if err != nil {
		return nil, fmt.Errorf("codec %s: %w", c.s.Name, err)
	}
	if c.schemas == nil {
		c.schemas = map[string]*parquet.Schema{}
	}
	c.schemas[key] = ps
	return ps, nil
}

// rowWriter lends writers of pool for files like newFileWriter's, with the
// given string columns plain: a growth that merges small row groups
// (archive decision 0143) encodes the merged rows with it, exactly as the
// loader encodes rows, and, borrowing from the pool, within the same bound
// on writers at work as the partitions' segments (at a flush every
// partition may grow its file at once).
func (c *codec) rowWriter(pool *writerPool) archive.RowWriterFunc {
	return func(ctx context.Context, w io.Writer, plain []string) (*archive.ParquetWriter, func(bool), error) {
		// Only the columns the topic's schema gives a dictionary can be
		// plain by choice (_raw is always plain).
		plain = slices.DeleteFunc(slices.Clone(plain), func(name string) bool {
			leaf, ok := c.ps.Lookup(name)
			if !ok {
				return true
			}
			e := leaf.Node.Encoding()
			return e == nil || e.Encoding() != parquet.RLEDictionary.Encoding()
		})
		ps, err := c.plainSchema(plain)
		if err != nil {
			return nil, nil, err
		}
		pw, err := pool.get(ctx, c, ps, w)
		if err != nil {
			return nil, nil, err
		}
		return pw, func(ok bool) {
			if ok {
				pool.put(ps, pw)
			} else {
				pool.drop()
			}
		}, nil
	}
}

// append adds m to b as one row: its typed columns and the metadata columns
// (unknown fields are allowed and survive in _raw); a deletion (see
// isDeletion) is a row with _deleted true, never rejected. A *RejectError
// means m is poison and nothing was added.
func (c *codec) append(b *schema.Batch, m *kafka.Message) error {
	if isDeletion(m, c.s.Opaque) {
		b.AppendDeletion(meta(m, false))
		return nil
	}
	err := b.Append(m.Value, meta(m, c.s.Opaque))
	if err != nil && c.s.Opaque {
		// A dead letter whose headers break the DLQ schema is still
		// archived, with the reason it broke it, never sent to the DLQ
		// again.
		md := meta(m, false)
		md.Headers = append(md.Headers, schema.DeadLetter{
			Reason: "invalid_dead_letter", Stage: "loader", Error: err.Error(), OriginTopic: m.Topic,
		}.Headers()...)
		err = b.Append(m.Value, md)
	}
	if err != nil {
		return classify(m.Value, err)
	}
	return nil
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

// isDeletion reports whether m deletes its key's record: a tombstone, or a
// vanished job-history row with its identity in the ukg_record_id header.
// kafka-go reads a null value and an empty one alike (both nil), so an
// empty value counts as a deletion too: it holds nothing to archive. On an
// opaque topic (the DLQ) a missing value is a dead letter whose value was
// withheld, not a deletion.
func isDeletion(m *kafka.Message, opaque bool) bool { return len(m.Value) == 0 && !opaque }

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
