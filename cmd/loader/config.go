package main

import (
	"github.com/ukgpro-stream/ukgpro-stream/pkg/archive"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/load"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ops"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/schema"
)

// config is every setting of the loader; --help lists them.
type config struct {
	Kafka   kafkax.Config
	Archive archive.Config
	Loader  load.Config
	Parquet parquetConfig
	Schema  schema.Config
	Log     ops.LogConfig
	OpsAddr string `env:"OPS_ADDR, default=:9465" desc:"address of /metrics, /healthz and /readyz (empty: off)"`
}

// parquetConfig holds the variables of archive.WriterConfig. That struct
// cannot be nested as is: its Metadata field's env:"-" tag is not a skip
// marker for go-envconfig ("invalid environment variable name").
type parquetConfig struct {
	RowGroupRows       int64    `env:"PARQUET_ROW_GROUP_ROWS, default=1000000" desc:"maximum rows per Parquet row group"`
	RowGroupBytes      int64    `env:"PARQUET_ROW_GROUP_BYTES, default=134217728" desc:"maximum uncompressed bytes per Parquet row group (bounds writer memory)"`
	PageBytes          int      `env:"PARQUET_PAGE_BYTES, default=1048576" desc:"uncompressed Parquet data page size in bytes"`
	ZstdLevel          int      `env:"PARQUET_ZSTD_LEVEL, default=3" desc:"zstd level: 1 fastest, 2 default, 3 better, 4 best"`
	DictionaryMaxBytes int64    `env:"PARQUET_DICTIONARY_MAX_BYTES, default=1048576" desc:"dictionary size after which a column falls back to plain encoding"`
	BloomColumns       []string `env:"PARQUET_BLOOM_COLUMNS, default=employee_id" desc:"comma-separated columns that get a bloom filter"`
}

func (p parquetConfig) writer() archive.WriterConfig {
	return archive.WriterConfig{
		RowGroupRows: p.RowGroupRows, RowGroupBytes: p.RowGroupBytes, PageBytes: p.PageBytes,
		ZstdLevel: p.ZstdLevel, DictionaryMaxBytes: p.DictionaryMaxBytes, BloomColumns: p.BloomColumns,
	}
}

func (c *config) Validate() error {
	// The first problem only: the error is one line naming one variable.
	for _, err := range []error{c.Kafka.Validate(), c.Archive.Validate(), c.Loader.Validate(),
		c.Parquet.writer().Validate(), c.Schema.Validate(), c.Log.Validate()} {
		if err != nil {
			return err
		}
	}
	return nil
}
