package archive

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/compress/zstd"
	"github.com/parquet-go/parquet-go/encoding"
)

// The fixed Arrow ↔ Parquet type mapping (docs/archive.md):
//
//	Arrow                         Parquet
//	String                        String()               BYTE_ARRAY (STRING)
//	Binary                        Leaf(ByteArrayType)    BYTE_ARRAY
//	Int64                         Int(64)                INT64
//	Int32                         Int(32)                INT32
//	Boolean                       Boolean()              BOOLEAN
//	Date32                        Date()                 INT32 (DATE), days since 1970-01-01
//	Timestamp{Microsecond, "UTC"} Timestamp(Microsecond) INT64 (TIMESTAMP, isAdjustedToUTC=true, MICROS)
//	Decimal128{p<=18, s}          Decimal(s, p, Int64)   INT64 (DECIMAL(p,s)), unscaled
//	Float64                       Leaf(DoubleType)       DOUBLE
//	every field                   Optional(...) (decision 0048)
//
// DATE is always written from Arrow's int32 day count, never from time.Time:
// parquet-go v0.32.0 stores int32(UnixNano) for a time.Time DATE.

// RawColumn is the column holding the Kafka message value, byte for byte.
const RawColumn = "_raw"

// SchemaOptions tune the Parquet schema derived by [ParquetSchema].
type SchemaOptions struct {
	// PlainColumns are string columns written without dictionary encoding
	// (unique values, where a dictionary only costs). Default: _raw.
	PlainColumns []string
	// RawEncoding is the encoding of the _raw column; nil means the
	// measured default (docs/decisions/0032).
	RawEncoding encoding.Encoding
	// RawCompression compresses the _raw column's pages; nil means the
	// writer's codec, as for every other column.
	RawCompression compress.Codec
	// DeltaColumns are integer or timestamp columns written
	// DELTA_BINARY_PACKED: values that rise by small steps (a partition's
	// offsets and record times) take a few bits each instead of eight
	// bytes. nil means [DefaultDeltaColumns]; an empty non-nil slice none.
	DeltaColumns []string
}

// DefaultDeltaColumns are the columns written DELTA_BINARY_PACKED by
// default: a partition's offsets (consecutive) and record timestamps
// (rising).
var DefaultDeltaColumns = []string{"_kafka_offset", "_kafka_timestamp"}

// ParquetSchema derives the Parquet schema of an Arrow schema with the fixed
// mapping above: the one schema function of the archive (the loader and the
// schema package's DuckDB tests both call it). Columns keep the Arrow order
// (parquet.Group would sort them by name). name is the topic; characters
// other than letters and digits become '_' in the schema's root name. String columns are dictionary-encoded except opts.PlainColumns;
// the writer falls back to plain pages when a dictionary grows past
// [WriterConfig.DictionaryMaxBytes], so high-cardinality columns cost little.
func ParquetSchema(name string, s *arrow.Schema, opts SchemaOptions) (*parquet.Schema, error) {
	plain := opts.PlainColumns
	if plain == nil {
		plain = []string{RawColumn}
	}
	delta := opts.DeltaColumns
	if delta == nil {
		delta = DefaultDeltaColumns
	}
	var g orderedGroup
	seen := map[string]bool{}
	for _, f := range s.Fields() {
		if seen[f.Name] {
			return nil, fmt.Errorf("parquet schema %s: duplicate column %q", name, f.Name)
		}
		seen[f.Name] = true
		n, err := leafFor(f.Type)
		if err != nil {
			return nil, fmt.Errorf("parquet schema %s: column %q: %w", name, f.Name, err)
		}
		switch {
		case f.Name == RawColumn:
			enc := opts.RawEncoding
			if enc == nil {
				enc = &parquet.Plain // as small as DELTA_LENGTH_BYTE_ARRAY here, and read by every engine
			}
			n = parquet.Encoded(n, enc)
			if opts.RawCompression != nil {
				n = parquet.Compressed(n, opts.RawCompression)
			}
		case contains(delta, f.Name) && (f.Type.ID() == arrow.INT64 || f.Type.ID() == arrow.INT32 || f.Type.ID() == arrow.TIMESTAMP):
			n = parquet.Encoded(n, &parquet.DeltaBinaryPacked)
		case f.Type.ID() == arrow.STRING && !contains(plain, f.Name):
			n = parquet.Encoded(n, &parquet.RLEDictionary)
		case f.Type.ID() == arrow.STRING:
			// PLAIN, not parquet-go's DELTA_LENGTH_BYTE_ARRAY default: a
			// little smaller under zstd (2% on mostly distinct codes), and
			// what DuckDB writes too.
			n = parquet.Encoded(n, &parquet.Plain)
		}
		// Every column is OPTIONAL, whatever the Arrow field says
		// (decision 0048): parquet-go allocates a whole page
		// (PARQUET_PAGE_BYTES) up front for each REQUIRED column of every
		// open file, megabytes per partition for columns whose row-group
		// chunks hold kilobytes; an OPTIONAL column's buffer grows with its
		// values. A column without nulls costs one RLE run of definition
		// levels per page.
		n = parquet.Optional(n)
		g = append(g, groupField{Node: n, name: f.Name})
	}
	return parquet.NewSchema(rootName(name), g), nil
}

// rootName is name with every character but ASCII letters and digits
// replaced by '_'.
func rootName(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func leafFor(t arrow.DataType) (parquet.Node, error) {
	switch t := t.(type) {
	case *arrow.StringType:
		return parquet.String(), nil
	case *arrow.BinaryType:
		return parquet.Leaf(parquet.ByteArrayType), nil
	case *arrow.Int64Type:
		return parquet.Int(64), nil
	case *arrow.Int32Type:
		return parquet.Int(32), nil
	case *arrow.Float64Type:
		return parquet.Leaf(parquet.DoubleType), nil
	case *arrow.BooleanType:
		return parquet.Leaf(parquet.BooleanType), nil
	case *arrow.Date32Type:
		return parquet.Date(), nil
	case *arrow.TimestampType:
		if t.Unit != arrow.Microsecond || t.TimeZone != "UTC" {
			return nil, fmt.Errorf("timestamp must be timestamp[us, tz=UTC], got %s", t)
		}
		return parquet.Timestamp(parquet.Microsecond), nil
	case *arrow.Decimal128Type:
		if t.Precision < 1 || t.Precision > 18 || t.Scale < 0 || t.Scale > t.Precision {
			return nil, fmt.Errorf("decimal must have 1 <= precision <= 18 and 0 <= scale <= precision, got %s", t)
		}
		return parquet.Decimal(int(t.Scale), int(t.Precision), parquet.Int64Type), nil
	}
	return nil, fmt.Errorf("arrow type %s has no Parquet mapping", t)
}

// orderedGroup is a parquet group whose fields keep their given order.
type orderedGroup []groupField

type groupField struct {
	parquet.Node
	name string
}

func (f groupField) Name() string { return f.name }

func (f groupField) Value(base reflect.Value) reflect.Value {
	if base.Kind() == reflect.Map {
		return base.MapIndex(reflect.ValueOf(f.name))
	}
	return reflect.Value{}
}

func (g orderedGroup) asGroup() parquet.Group {
	m := make(parquet.Group, len(g))
	for _, f := range g {
		m[f.name] = f.Node
	}
	return m
}

func (g orderedGroup) ID() int            { return 0 }
func (g orderedGroup) String() string     { return g.asGroup().String() }
func (g orderedGroup) Type() parquet.Type { return parquet.Group{}.Type() }
func (g orderedGroup) Optional() bool     { return false }
func (g orderedGroup) Repeated() bool     { return false }
func (g orderedGroup) Required() bool     { return true }
func (g orderedGroup) Leaf() bool         { return false }
func (g orderedGroup) Fields() []parquet.Field {
	fs := make([]parquet.Field, len(g))
	for i := range g {
		fs[i] = g[i]
	}
	return fs
}
func (g orderedGroup) Encoding() encoding.Encoding { return nil }
func (g orderedGroup) Compression() compress.Codec { return nil }
func (g orderedGroup) GoType() reflect.Type        { return g.asGroup().GoType() }

// WriterConfig tunes Parquet files. The zero value means the defaults.
type WriterConfig struct {
	// RowGroupRows ends a row group after this many rows.
	RowGroupRows int64 `env:"PARQUET_ROW_GROUP_ROWS, default=1000000" desc:"maximum rows per Parquet row group"`
	// RowGroupBytes ends a row group once this many uncompressed bytes were
	// added to it. The writer holds up to about 1.5 times this in memory
	// (narrow columns stay uncompressed until the group ends, plus
	// dictionaries and the compressed pages), so this bounds memory.
	RowGroupBytes int64 `env:"PARQUET_ROW_GROUP_BYTES, default=16777216" desc:"maximum uncompressed bytes per Parquet row group (bounds writer memory)"`
	// PageBytes is the uncompressed size of a data page.
	PageBytes int `env:"PARQUET_PAGE_BYTES, default=2097152" desc:"uncompressed Parquet data page size in bytes"`
	// ZstdLevel is 1 (fastest), 2 (default), 3 (better) or 4 (best), the
	// levels of klauspost/compress/zstd. 3 is this package's default
	// (decision 0032: files as small as DuckDB's).
	ZstdLevel int `env:"PARQUET_ZSTD_LEVEL, default=3" desc:"zstd level of klauspost/compress: 1 fastest, 2 default, 3 better, 4 best"`
	// RawZstdLevel is the zstd level of the _raw column (the Kafka
	// message, most of a file's bytes); 0 means ZstdLevel.
	RawZstdLevel int `env:"PARQUET_RAW_ZSTD_LEVEL, default=0" desc:"zstd level of the _raw column (1..4, as PARQUET_ZSTD_LEVEL); 0: PARQUET_ZSTD_LEVEL"`

	// DictionaryMaxBytes switches a column to plain pages for the rest of a
	// row group once its dictionary grows past this size.
	DictionaryMaxBytes int64 `env:"PARQUET_DICTIONARY_MAX_BYTES, default=1048576" desc:"dictionary size after which a column falls back to plain encoding"`
	// DictionaryAlways dictionary-encodes every string column the schema
	// marks so. By default a file's first batch decides: a column whose
	// sampled values are mostly distinct is written plain in that file
	// (see plainByCardinality).
	DictionaryAlways bool `env:"PARQUET_DICTIONARY_ALWAYS, default=false" desc:"dictionary-encode every string column; default: columns whose values in a file's first batch are mostly distinct are written plain"`
	// BloomColumns get a split-block bloom filter (10 bits per value,
	// about 1% false positives); columns the schema lacks are ignored. nil
	// means [DefaultBloomColumns]; an empty non-nil slice means none.
	BloomColumns []string `env:"PARQUET_BLOOM_COLUMNS, default=employee_id" desc:"comma-separated columns that get a bloom filter"`
	// Metadata is added to the file's key/value metadata (set in code; it
	// has no env tag, so configuration loading leaves it alone).
	Metadata map[string]string
	// SchemaAsGiven writes the Parquet schema passed to NewParquetWriter
	// exactly, without the first batch's cardinality sampling (set in
	// code): for callers that decide a file's plain columns once with
	// [PlainColumns] and [WithPlainColumns] and write the file in several
	// parts that must agree (decision 0142).
	SchemaAsGiven bool

	// codec and rawCodec, when set by [WriterConfig.WithSharedEncoders],
	// compress the pages of every writer made with this configuration
	// (rawCodec the _raw column's, when its level differs); pages holds
	// their compressed pages until the row group is written.
	codec, rawCodec *zstdCodec
	pages           parquet.BufferPool
}

// pageChunkBytes is the allocation unit of the buffers that hold a row
// group's compressed pages, one buffer per column of every open file.
// parquet-go's default, 32 KiB, is a floor per column: with ~80 columns and
// 36 open files, 92 MiB held before a byte is written; most column chunks
// of a row group compress to a few KB.
const pageChunkBytes = 4 << 10

// WithSharedEncoders returns c with one zstd codec that every writer made
// with the result shares: its few idle encoders (megabytes each) are reused
// across files instead of being built again for each file. Use it when one
// process writes many files with the same settings (a loader's partitions).
func (c WriterConfig) WithSharedEncoders() WriterConfig {
	if err := c.Validate(); err != nil {
		return c // NewParquetWriter reports it
	}
	d := c.withDefaults()
	c.codec = newZstdCodec(zstdLevels[d.ZstdLevel-1], d.PageBytes)
	if d.RawZstdLevel != d.ZstdLevel {
		c.rawCodec = newZstdCodec(zstdLevels[d.RawZstdLevel-1], d.PageBytes)
	}
	c.pages = parquet.NewChunkBufferPool(pageChunkBytes)
	return c
}

var zstdLevels = [...]zstd.Level{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression, zstd.SpeedBestCompression}

// Defaults of [WriterConfig].
const (
	DefaultRowGroupRows       = 1_000_000
	DefaultRowGroupBytes      = 16 << 20
	DefaultPageBytes          = 2 << 20
	DefaultZstdLevel          = 3
	DefaultDictionaryMaxBytes = 1 << 20
)

// DefaultBloomColumns are the columns with a bloom filter by default: the
// point lookups audits make ("everything about employee X").
var DefaultBloomColumns = []string{"employee_id"}

func (c WriterConfig) withDefaults() WriterConfig {
	if c.RowGroupRows <= 0 {
		c.RowGroupRows = DefaultRowGroupRows
	}
	if c.RowGroupBytes <= 0 {
		c.RowGroupBytes = DefaultRowGroupBytes
	}
	if c.PageBytes <= 0 {
		c.PageBytes = DefaultPageBytes
	}
	if c.ZstdLevel == 0 {
		c.ZstdLevel = DefaultZstdLevel
	}
	if c.RawZstdLevel == 0 {
		c.RawZstdLevel = c.ZstdLevel
	}
	if c.DictionaryMaxBytes <= 0 {
		c.DictionaryMaxBytes = DefaultDictionaryMaxBytes
	}
	if c.BloomColumns == nil {
		c.BloomColumns = DefaultBloomColumns
	}
	return c
}

// Validate checks the configuration; messages name the variable.
func (c WriterConfig) Validate() error {
	var errs []error
	if c.ZstdLevel < 0 || c.ZstdLevel > 4 {
		errs = append(errs, fmt.Errorf("PARQUET_ZSTD_LEVEL must be 1..4, got %d", c.ZstdLevel))
	}
	if c.RawZstdLevel < 0 || c.RawZstdLevel > 4 {
		errs = append(errs, fmt.Errorf("PARQUET_RAW_ZSTD_LEVEL must be 0..4, got %d", c.RawZstdLevel))
	}
	if c.PageBytes < 0 || c.PageBytes > 64<<20 {
		errs = append(errs, fmt.Errorf("PARQUET_PAGE_BYTES must be 1..%d, got %d", 64<<20, c.PageBytes))
	}
	if c.RowGroupRows < 0 {
		errs = append(errs, fmt.Errorf("PARQUET_ROW_GROUP_ROWS must be positive, got %d", c.RowGroupRows))
	}
	if c.RowGroupBytes < 0 {
		errs = append(errs, fmt.Errorf("PARQUET_ROW_GROUP_BYTES must be positive, got %d", c.RowGroupBytes))
	}
	return errors.Join(errs...)
}

// ParquetWriter streams Arrow record batches into one Parquet file: zstd,
// statistics, column and offset indexes, bounded row groups and optional
// bloom filters. Bytes reach the io.Writer a row group at a time; memory
// holds one row group: its compressed pages, the current page of each
// column (for narrow columns, usually the whole group uncompressed) and the
// dictionaries.
type ParquetWriter struct {
	cfg     WriterConfig
	arrow   *arrow.Schema
	out     io.Writer
	schema  *parquet.Schema             // as given; the file's may write more columns plain
	opts    []parquet.WriterOption      // all but the schema
	pw      *parquet.GenericWriter[any] // nil until the first Write (or Close)
	cols    []colPlan
	vals    []parquet.Value
	rows    int64 // in the file
	rgRows  int64 // in the current row group
	rgBytes int64 // uncompressed bytes added to the current row group
	groups  int   // row groups written
	closed  bool
}

type colPlan struct {
	arrowIndex int
	parquetCol int
	maxDef     byte
	fixedWidth int64 // bytes per value for the row-group size estimate, 0 for byte arrays
}

// NewParquetWriter returns a writer of files with Parquet schema ps (usually
// from [ParquetSchema]) for batches of Arrow schema as. Every Arrow field must
// have a leaf column of the same name and mapped type in ps.
func NewParquetWriter(w io.Writer, as *arrow.Schema, ps *parquet.Schema, cfg WriterConfig) (*ParquetWriter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	codec, rawCodec := cfg.codec, cfg.rawCodec
	if codec == nil {
		codec = newZstdCodec(zstdLevels[cfg.ZstdLevel-1], cfg.PageBytes)
		if cfg.RawZstdLevel != cfg.ZstdLevel {
			rawCodec = newZstdCodec(zstdLevels[cfg.RawZstdLevel-1], cfg.PageBytes)
		}
	}
	pages := cfg.pages
	if pages == nil {
		pages = parquet.NewChunkBufferPool(pageChunkBytes)
	}
	opts := []parquet.WriterOption{
		parquet.Compression(codec),
		parquet.ColumnPageBuffers(pages),
		parquet.DataPageStatistics(true),
		parquet.DataPageVersion(1),
		parquet.PageBufferSize(cfg.PageBytes),
		parquet.WriteBufferSize(64 << 10), // row groups reach the file in large writes anyway
		parquet.DictionaryMaxBytes(cfg.DictionaryMaxBytes),
		parquet.CreatedBy("ukgpro-stream", "1", ""),
		// Page minima and maxima of whole JSON documents help no reader
		// and cost a comparison of kilobytes per value.
		parquet.SkipPageBounds(RawColumn),
	}
	for k, v := range cfg.Metadata {
		opts = append(opts, parquet.KeyValueMetadata(k, v))
	}
	var blooms []parquet.BloomFilterColumn
	for _, c := range cfg.BloomColumns {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		if _, ok := ps.Lookup(c); !ok {
			continue // the topic has no such column
		}
		blooms = append(blooms, parquet.SplitBlockFilter(10, c))
	}
	if len(blooms) > 0 {
		opts = append(opts, parquet.BloomFilters(blooms...))
	}
	if _, ok := ps.Lookup(RawColumn); ok && rawCodec != nil {
		s, err := withSchemaOptions(ps, as, func(o *SchemaOptions) { o.RawCompression = rawCodec })
		if err != nil {
			return nil, fmt.Errorf("parquet writer: %w", err)
		}
		ps = s
	}
	p := &ParquetWriter{cfg: cfg, arrow: as, out: w, schema: ps, opts: opts}
	for i, f := range as.Fields() {
		leaf, ok := ps.Lookup(f.Name)
		if !ok {
			return nil, fmt.Errorf("parquet writer: arrow column %q missing from the parquet schema", f.Name)
		}
		want, err := leafFor(f.Type)
		if err != nil {
			return nil, fmt.Errorf("parquet writer: column %q: %w", f.Name, err)
		}
		if leaf.Node.Type().Kind() != want.Type().Kind() || (f.Nullable && !leaf.Node.Optional()) {
			return nil, fmt.Errorf("parquet writer: column %q: parquet %s does not match arrow %s (nullable %v)", f.Name, leaf.Node.Type(), f.Type, f.Nullable)
		}
		width := int64(0)
		switch f.Type.ID() {
		case arrow.INT32, arrow.DATE32:
			width = 4
		case arrow.BOOL:
			width = 1
		case arrow.STRING, arrow.BINARY:
		default:
			width = 8
		}
		p.cols = append(p.cols, colPlan{arrowIndex: i, parquetCol: leaf.ColumnIndex, maxDef: byte(leaf.MaxDefinitionLevel), fixedWidth: width})
	}
	if n := len(ps.Columns()); n != len(p.cols) {
		return nil, fmt.Errorf("parquet writer: parquet schema has %d columns, arrow schema %d", n, len(p.cols))
	}
	if cfg.DictionaryAlways || cfg.SchemaAsGiven {
		p.start(nil)
	}
	return p, nil
}

// PlainColumns returns the dictionary-encoded string columns of ps (built
// by [ParquetSchema]) that a file whose first batch is rec writes plain,
// as [ParquetWriter] decides for a file unless cfg.DictionaryAlways: those
// whose sampled values are mostly distinct (see plainByCardinality).
func PlainColumns(rec arrow.RecordBatch, ps *parquet.Schema, cfg WriterConfig) []string {
	if cfg.DictionaryAlways {
		return nil
	}
	return plainByCardinality(rec, ps)
}

// WithPlainColumns is ps (built by [ParquetSchema] from as) with the string
// columns in cols written plain; every other column keeps its encoding.
func WithPlainColumns(ps *parquet.Schema, as *arrow.Schema, cols []string) (*parquet.Schema, error) {
	return withPlainColumns(ps, as, cols)
}

// start creates the parquet-go writer. Unless DictionaryAlways is set, the
// file's first batch decides which of the schema's dictionary-encoded
// string columns are written plain instead (see plainByCardinality).
func (p *ParquetWriter) start(first arrow.RecordBatch) {
	ps := p.schema
	if first != nil {
		if cols := plainByCardinality(first, p.schema); len(cols) > 0 {
			if s, err := withPlainColumns(p.schema, p.arrow, cols); err == nil {
				ps = s
			}
		}
	}
	p.pw = parquet.NewGenericWriter[any](p.out, append([]parquet.WriterOption{ps}, p.opts...)...)
}

// Cardinality sampling: a dictionary pays when values repeat. Among the
// first dictionarySample values of a column in a file's first batch, more
// than 90% distinct means the column is written plain in that file (ids,
// phone numbers): its dictionary would hold nearly every value, costing a
// hash-map insert per value and a second copy of the data, and parquet-go
// only falls back to plain when a page fills, which a narrow column rarely
// does within a row group. Codes with hundreds of values keep their
// dictionaries (a third of the plain size under zstd on 800 job codes).
// Batches of fewer than dictionaryMinSample rows keep every dictionary.
const (
	dictionarySample    = 1024
	dictionaryMinSample = 128
)

// plainByCardinality returns the dictionary-encoded string columns of ps
// whose sampled values in rec are mostly distinct.
func plainByCardinality(rec arrow.RecordBatch, ps *parquet.Schema) []string {
	n := min(int(rec.NumRows()), dictionarySample)
	if n < dictionaryMinSample {
		return nil
	}
	var plain []string
	seen := make(map[string]struct{}, n)
	for i, f := range rec.Schema().Fields() {
		a, ok := rec.Column(i).(*array.String)
		if !ok {
			continue
		}
		if leaf, ok := ps.Lookup(f.Name); !ok || !isDictionary(leaf.Node) {
			continue
		}
		clear(seen)
		values := 0
		for j := range n {
			if a.IsNull(j) {
				continue
			}
			values++
			seen[a.Value(j)] = struct{}{} // keys alias the batch; the map dies with this call
		}
		if values >= dictionaryMinSample && 10*len(seen) > 9*values {
			plain = append(plain, f.Name)
		}
	}
	return plain
}

func isDictionary(n parquet.Node) bool {
	e := n.Encoding()
	return e != nil && e.Encoding() == parquet.RLEDictionary.Encoding()
}

// withPlainColumns is ps (built by ParquetSchema from as) with the string
// columns in cols written plain. Every other column keeps its encoding.
func withPlainColumns(ps *parquet.Schema, as *arrow.Schema, cols []string) (*parquet.Schema, error) {
	return withSchemaOptions(ps, as, func(o *SchemaOptions) { o.PlainColumns = append(o.PlainColumns, cols...) })
}

// withSchemaOptions rebuilds ps (built by ParquetSchema from as) with the
// options it was built with, as changed by edit.
func withSchemaOptions(ps *parquet.Schema, as *arrow.Schema, edit func(*SchemaOptions)) (*parquet.Schema, error) {
	opts := SchemaOptions{PlainColumns: []string{}, DeltaColumns: []string{}}
	for _, f := range as.Fields() {
		leaf, ok := ps.Lookup(f.Name)
		if !ok {
			continue
		}
		if e := leaf.Node.Encoding(); e != nil && e.Encoding() == parquet.DeltaBinaryPacked.Encoding() {
			opts.DeltaColumns = append(opts.DeltaColumns, f.Name)
		}
		if f.Name == RawColumn {
			opts.RawEncoding = leaf.Node.Encoding()
			opts.RawCompression = leaf.Node.Compression()
		} else if f.Type.ID() == arrow.STRING && !isDictionary(leaf.Node) {
			opts.PlainColumns = append(opts.PlainColumns, f.Name)
		}
	}
	edit(&opts)
	opts.PlainColumns = slices.Clip(opts.PlainColumns)
	return ParquetSchema(ps.Name(), as, opts)
}

// Write appends a record batch. Its schema must equal the writer's.
//
// Rows go in row-group segments; within a segment each column is written on
// its own, in chunks sized to that column (a chunk is about 1/8 of a page,
// because parquet-go cuts a page after the call that fills it), so narrow
// columns take few large calls and only wide ones many small ones.
func (p *ParquetWriter) Write(rec arrow.RecordBatch) error {
	if p.closed {
		return errors.New("parquet writer: write after close")
	}
	if !rec.Schema().Equal(p.arrow) {
		return fmt.Errorf("parquet writer: batch schema %s differs from %s", rec.Schema(), p.arrow)
	}
	n := int(rec.NumRows())
	if p.pw == nil {
		p.start(rec)
	}
	for start := 0; start < n; {
		end := min(n, start+int(p.cfg.RowGroupRows-p.rgRows))
		end = p.segmentEnd(rec, start, end)
		bytes, err := p.writeSegment(rec, start, end)
		if err != nil {
			return err
		}
		p.rows += int64(end - start)
		p.rgRows += int64(end - start)
		p.rgBytes += bytes
		start = end
		if p.rgRows >= p.cfg.RowGroupRows || p.rgBytes >= p.cfg.RowGroupBytes {
			if err := p.pw.Flush(); err != nil {
				return fmt.Errorf("parquet writer: flush row group: %w", err)
			}
			p.rgRows, p.rgBytes = 0, 0
			p.groups++
		}
	}
	return nil
}

// segmentBytes is the uncompressed size estimate of rows [start, end).
func (p *ParquetWriter) segmentBytes(rec arrow.RecordBatch, start, end int) int64 {
	var b int64
	for _, c := range p.cols {
		if c.fixedWidth != 0 {
			b += c.fixedWidth * int64(end-start)
			continue
		}
		switch a := rec.Column(c.arrowIndex).(type) {
		case *array.String:
			o := a.ValueOffsets()
			b += int64(o[end] - o[start])
		case *array.Binary:
			o := a.ValueOffsets()
			b += int64(o[end] - o[start])
		}
	}
	return b
}

// segmentEnd returns the first row after start, at most end, whose rows
// fill the current row group to RowGroupBytes (end if they do not).
func (p *ParquetWriter) segmentEnd(rec arrow.RecordBatch, start, end int) int {
	room := p.cfg.RowGroupBytes - p.rgBytes
	if p.segmentBytes(rec, start, end) < room {
		return end
	}
	lo, hi := start+1, end // smallest e in [lo, hi] with bytes(start, e) >= room
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if p.segmentBytes(rec, start, mid) >= room {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// chunkRows returns how many rows of column c go to its column writer per
// call: about 1/8 of a page.
func chunkRows(col arrow.Array, c colPlan, start, end, pageBytes int) int {
	width := c.fixedWidth
	if width == 0 && end > start {
		var size int64
		switch a := col.(type) {
		case *array.String:
			o := a.ValueOffsets()
			size = int64(o[end] - o[start])
		case *array.Binary:
			o := a.ValueOffsets()
			size = int64(o[end] - o[start])
		}
		width = size/int64(end-start) + 4
	}
	return int(min(max(int64(pageBytes)/8/max(width, 1), 16), 8192))
}

func (p *ParquetWriter) writeSegment(rec arrow.RecordBatch, start, end int) (int64, error) {
	writers := p.pw.ColumnWriters()
	var bytes int64
	for _, c := range p.cols {
		col := rec.Column(c.arrowIndex)
		chunk := chunkRows(col, c, start, end, p.cfg.PageBytes)
		for from := start; from < end; from += chunk {
			n := min(chunk, end-from)
			if cap(p.vals) < n {
				p.vals = make([]parquet.Value, n)
			}
			vals := p.vals[:n]
			b, err := fillValues(vals, col, from, c)
			if err != nil {
				return 0, fmt.Errorf("parquet writer: column %q: %w", p.arrow.Field(c.arrowIndex).Name, err)
			}
			if _, err := writers[c.parquetCol].WriteRowValues(vals); err != nil {
				return 0, fmt.Errorf("parquet writer: column %q: %w", p.arrow.Field(c.arrowIndex).Name, err)
			}
			bytes += b + c.fixedWidth*int64(n)
		}
	}
	clear(p.vals) // drop references into the batch's buffers
	return bytes, nil
}

// fillValues sets vals to rows [start, start+len(vals)) of col and returns
// the byte-array bytes it added. Byte arrays point into Arrow's buffers; the
// column writer copies them. Columns without nulls take a loop without
// per-value null checks.
func fillValues(vals []parquet.Value, col arrow.Array, start int, c colPlan) (int64, error) {
	ci := c.parquetCol
	def := c.maxDef // every value present: definition level = max
	var bytes int64
	switch a := col.(type) {
	case *array.String:
		offs := a.ValueOffsets()
		data := a.ValueBytes()
		for i := range vals {
			j := start + i
			b := data[offs[j]:offs[j+1]]
			bytes += int64(len(b))
			vals[i] = parquet.ByteArrayValue(b).Level(0, int(def), ci)
		}
	case *array.Binary:
		offs := a.ValueOffsets()
		data := a.ValueBytes()
		for i := range vals {
			j := start + i
			b := data[offs[j]:offs[j+1]]
			bytes += int64(len(b))
			vals[i] = parquet.ByteArrayValue(b).Level(0, int(def), ci)
		}
	case *array.Int64:
		v := a.Int64Values()[start:]
		for i := range vals {
			vals[i] = parquet.Int64Value(v[i]).Level(0, int(def), ci)
		}
	case *array.Int32:
		v := a.Int32Values()[start:]
		for i := range vals {
			vals[i] = parquet.Int32Value(v[i]).Level(0, int(def), ci)
		}
	case *array.Float64:
		v := a.Float64Values()[start:]
		for i := range vals {
			vals[i] = parquet.DoubleValue(v[i]).Level(0, int(def), ci)
		}
	case *array.Boolean:
		for i := range vals {
			vals[i] = parquet.BooleanValue(a.Value(start+i)).Level(0, int(def), ci)
		}
	case *array.Date32:
		v := a.Date32Values()[start:]
		for i := range vals {
			vals[i] = parquet.Int32Value(int32(v[i])).Level(0, int(def), ci)
		}
	case *array.Timestamp:
		v := a.TimestampValues()[start:]
		for i := range vals {
			vals[i] = parquet.Int64Value(int64(v[i])).Level(0, int(def), ci)
		}
	case *array.Decimal128:
		v := a.Values()[start:]
		for i := range vals {
			// precision <= 18: the value fits int64; HighBits is its sign.
			vals[i] = parquet.Int64Value(int64(v[i].LowBits())).Level(0, int(def), ci)
		}
	default:
		return 0, fmt.Errorf("arrow array %T has no Parquet mapping", col)
	}
	if def > 0 && col.NullN() > 0 {
		for i := range vals {
			if col.IsNull(start + i) {
				vals[i] = parquet.Value{}.Level(0, 0, ci)
			}
		}
	}
	return bytes, nil
}

// EndRowGroup writes the current row group to the io.Writer now (nothing
// if it is empty), releasing its memory; the next Write starts a new one.
// Row groups then come out smaller than RowGroupRows/RowGroupBytes, which
// readers do not mind.
func (p *ParquetWriter) EndRowGroup() error {
	if p.closed {
		return errors.New("parquet writer: end row group after close")
	}
	if p.rgRows == 0 || p.pw == nil {
		return nil
	}
	if err := p.pw.Flush(); err != nil {
		return fmt.Errorf("parquet writer: flush row group: %w", err)
	}
	p.rgRows, p.rgBytes = 0, 0
	p.groups++
	return nil
}

// RowGroups is the number of row groups written so far. parquet-go keeps
// the footer metadata of each (column chunk metadata with statistics,
// column and offset indexes: on the order of 1 KB per column) in memory
// until Close.
func (p *ParquetWriter) RowGroups() int { return p.groups }

// RowGroupBytes is the uncompressed size of the rows of the current row
// group (held in memory until the row group ends).
func (p *ParquetWriter) RowGroupBytes() int64 { return p.rgBytes }

// Rows returns the rows written so far.
func (p *ParquetWriter) Rows() int64 { return p.rows }

// Size estimates the file size so far: bytes flushed plus the current row
// group before compression (an upper bound), for rotation by bytes.
func (p *ParquetWriter) Size() int64 {
	if p.pw == nil {
		return 0
	}
	return p.pw.Size()
}

// Reset makes p write a new file on w with the schema of the file it wrote
// before (the plain columns chosen then stay), reusing parquet-go's column
// buffers instead of allocating them again; any unfinished file is
// dropped. A writer made with SchemaAsGiven (or DictionaryAlways) can be
// reset before its first write.
func (p *ParquetWriter) Reset(w io.Writer) {
	p.out = w
	p.rows, p.rgRows, p.rgBytes, p.groups, p.closed = 0, 0, 0, 0, false
	if p.pw != nil {
		p.pw.Reset(w)
	}
}

// Close flushes the last row group and writes the footer. It does not close
// the underlying io.Writer.
func (p *ParquetWriter) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	if p.pw == nil {
		p.start(nil)
	}
	if err := p.pw.Close(); err != nil {
		return fmt.Errorf("parquet writer: close: %w", err)
	}
	return nil
}

// WriteRows appends rows read back from a file of this writer's Parquet
// schema (a growth merging small row groups, decision 0143) to the current
// row group, encoded as Write encodes. Unlike Write it never ends the row
// group: the caller bounds what it copies.
func (p *ParquetWriter) WriteRows(rows []parquet.Row) error {
	if p.closed {
		return errors.New("parquet writer: write after close")
	}
	if p.pw == nil {
		p.start(nil)
	}
	if _, err := p.pw.WriteRows(rows); err != nil {
		return fmt.Errorf("parquet writer: %w", err)
	}
	p.rows += int64(len(rows))
	p.rgRows += int64(len(rows))
	return nil
}
