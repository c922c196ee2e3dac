package main

import (
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ops"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/relay"
)

// config is every setting of the relay; --help lists them.
type config struct {
	Kafka   kafkax.Config
	Relay   relay.Config
	Log     ops.LogConfig
	OpsAddr string `env:"OPS_ADDR, default=:9466" desc:"address of /metrics, /healthz, /readyz and /debug/pprof/ (empty: off)"`
}

func (c *config) Validate() error {
	// The first problem only: the error is one line naming one variable.
	for _, err := range []error{c.Kafka.Validate(), c.Relay.Validate(), c.Log.Validate()} {
		if err != nil {
			return err
		}
	}
	return nil
}
