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
	Parquet archive.WriterConfig
	Schema  schema.Config
	Log     ops.LogConfig
	OpsAddr string `env:"OPS_ADDR, default=:9465" desc:"address of /metrics, /healthz, /readyz and /debug/pprof/ (empty: off)"`
}

func (c *config) Validate() error {
	// The first problem only: the error is one line naming one variable.
	for _, err := range []error{c.Kafka.Validate(), c.Archive.Validate(), c.Loader.Validate(),
		c.Parquet.Validate(), c.Schema.Validate(), c.Log.Validate()} {
		if err != nil {
			return err
		}
	}
	return nil
}
