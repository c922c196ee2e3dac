package main

import (
	"github.com/ukgpro-stream/ukgpro-stream/pkg/audit"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/kafkax"
	"github.com/ukgpro-stream/ukgpro-stream/pkg/ops"
)

// config is every environment setting of ukgpro-audit: the loader's archive
// settings (LOADER_OUTPUT, S3_*), so the loader's environment works as it
// is. Subcommand flags (--archive, --format, ...) override per run.
type config struct {
	Audit audit.Config
	Log   ops.LogConfig
}

func (c *config) Validate() error {
	for _, err := range []error{c.Audit.Archive.Validate(), c.Log.Validate()} {
		if err != nil {
			return err
		}
	}
	return nil
}

// kafkaConfig is read only by the subcommands that talk to Kafka (verify
// with brokers, replay --to-topic): the extractor's and loader's KAFKA_*
// settings.
type kafkaConfig struct {
	Kafka kafkax.Config
}

func (c *kafkaConfig) Validate() error { return c.Kafka.Validate() }
