package main

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/ukgpro-stream/ukgpro-stream/pkg/ukgsim"
)

// config is the program's configuration: the simulator's settings plus logging.
type config struct {
	Sim      ukgsim.Config
	LogLevel string `env:"SIM_LOG_LEVEL, default=info" flag:"log-level" desc:"debug, info, warn or error"`
}

// Validate checks the settings once at start.
func (c config) Validate() error {
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	return c.Sim.Validate()
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return 0, fmt.Errorf("SIM_LOG_LEVEL=%q: want debug, info, warn or error", s)
	}
	return l, nil
}
