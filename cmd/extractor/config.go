package main

import (
	"errors"
	"time"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/extract"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ops"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/pii"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgpro"
)

// config is every setting of the extractor; --help lists them.
type config struct {
	UKG       ukgpro.Config
	Kafka     kafkax.Config
	Extractor extract.Config
	PII       pii.Config
	Log       ops.LogConfig
	OpsAddr   string `env:"OPS_ADDR, default=127.0.0.1:9464" desc:"address of /metrics, /healthz, /readyz and /debug/pprof/ (empty: off)"`
	Progress  string `env:"EXTRACTOR_PROGRESS, default=auto" desc:"live progress display with --once: auto (on a terminal), on or off"`
	Once      bool   `flag:"once" desc:"run every endpoint once and exit: 0 only when all of it is acknowledged by Kafka"`
	// A CronJob's pod ends with the run: without a wait, Prometheus may
	// never see the run's final values.
	MetricsLinger time.Duration `env:"EXTRACTOR_METRICS_LINGER, default=0s" desc:"with --once, keep serving /metrics this long after the run (SIGTERM ends it) so Prometheus scrapes the final values; about twice the scrape interval"`
}

func (c *config) Validate() error {
	// The first problem only: the error is one line naming one variable.
	for _, err := range []error{c.UKG.Validate(), c.Kafka.Validate(), c.Extractor.Validate(), c.PII.Validate(),
		c.Log.Validate(), oneOf("EXTRACTOR_PROGRESS", c.Progress, "auto", "on", "off")} {
		if err != nil {
			return err
		}
	}
	return nil
}

func oneOf(name, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return errors.New(name + ": " + v + " is not one of auto, on, off")
}
